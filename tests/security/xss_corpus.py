"""A generated corpus of XSS payloads; payload n calls `__xss(n)` (or `alert(n)`) if it runs.

Families: script tags, event handlers, javascript:/data: URLs, SVG and MathML, Markdown links and
images, attribute and script-context breakouts, template injection (Jinja, JS templates), and
Unicode/encoding tricks (full-width brackets, entities, escapes, zero-width and bidi characters).
"""

from __future__ import annotations

from itertools import cycle

CALL = "__xss({n})"

TEMPLATES = [
    "<script>{call}</script>",
    "<ScRiPt>{call}</sCrIpT>",
    "<script src=data:text/javascript,{call}></script>",
    "<img src=x onerror={call}>",
    '<img src="x" onerror="{call}">',
    "<img/src/onerror={call}>",
    "<svg onload={call}>",
    "<svg><script>{call}</script></svg>",
    "<svg><animate onbegin={call} attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror={call}>",
    "<body onload={call}>",
    '<iframe srcdoc="<script>parent.{call}</script>"></iframe>',
    '<iframe src="javascript:parent.{call}"></iframe>',
    "<details open ontoggle={call}>",
    "<input autofocus onfocus={call}>",
    "<select autofocus onfocus={call}>",
    "<video><source onerror={call}></video>",
    "<audio src=x onerror={call}>",
    '<object data="javascript:{call}"></object>',
    '<embed src="javascript:{call}">',
    '<a href="javascript:{call}">x</a>',
    '<a href="jav&#x09;ascript:{call}">x</a>',
    "<form><button formaction=javascript:{call}>x</button></form>",
    "<marquee onstart={call}>x</marquee>",
    '<noscript><p title="</noscript><img src=x onerror={call}>">',
    "<style>@import 'javascript:{call}';</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:{call}">',
    '<base href="javascript:{call}//">',
    '"><img src=x onerror={call}>',
    "'><svg onload={call}>",
    '" onmouseover="{call}" autofocus onfocus="{call}" x="',
    "' autofocus onfocus='{call}' x='",
    "</textarea><script>{call}</script>",
    "</title><script>{call}</script>",
    "</script><script>{call}</script>",
    '";{call};//',
    "';{call};//",
    '\\";{call};//',
    "`;{call};//",
    "${{{call}}}",
    "{{{{{call}}}}}",
    "{{{{7*7}}}}{{{{config}}}}<img src=x onerror={call}>",
    "{{% raw %}}<script>{call}</script>{{% endraw %}}",
    "#{{{call}}}",
    "[click](javascript:{call})",
    "[click](JaVaScRiPt:{call})",
    "[click](javascript&#58;{call})",
    '![x](x" onerror="{call})',
    "[x](data:text/html,<script>{call}</script>)",
    '<https://example.org/" onmouseover="{call}>',
    "[x]: javascript:{call}\n\n[y][x]",
    "**<img src=x onerror={call}>**",
    "`<script>{call}</script>`",
    "＜script＞{call}＜/script＞",
    "&lt;script&gt;{call}&lt;/script&gt;",
    "&#60;script&#62;{call}&#60;/script&#62;",
    "\\u003cscript\\u003e{call}\\u003c/script\\u003e",
    "%3Cscript%3E{call}%3C/script%3E",
    "<scr\u200bipt>{call}</scr\u200bipt>",
    "\u202e<img src=x onerror={call}>",
    "\u2028<script>{call}</script>\u2029",
    "<img src=x onerror=&#x5f;&#x5f;xss({n})>",
    '<img src=x onerror="\\u005f_xss({n})">',
    '<svg><a xlink:href="javascript:{call}"><text y=20>x</text></a></svg>',
    '<div style="background:url(javascript:{call})">x</div>',
    "<xss id=x tabindex=1 onfocus={call} autofocus>",
    "<img src=x onerror=alert({n})>",
    "<svg onload=alert({n})>",
    "<script>alert({n})</script>",
    "<a href=javascript:alert({n})>x</a>",
]

# Surroundings that move a payload into other parsing contexts.
WRAPPERS = [
    "{p}",
    "正常的意见文字 {p} 结尾",
    "<b>{p}</b>",
    "{p}\n\n第二段",
    "> {p}",
    "* {p}",
    "<!-- {p} -->",
]


def payloads(count: int = 500) -> list[str]:
    """`count` distinct payloads; payload n calls __xss(n) (some call alert(n))."""
    out: list[str] = []
    combos = cycle([(t, w) for w in WRAPPERS for t in TEMPLATES])
    for n in range(count):
        template, wrapper = next(combos)
        payload = template.format(call=CALL.format(n=n), n=n)
        out.append(wrapper.format(p=payload) if "{p}" in wrapper else payload)
    return out
