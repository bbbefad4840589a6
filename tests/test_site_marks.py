"""A government site's marks: the footer's 主办单位, 网站标识码, ICP and public security filing
numbers (each only when set, demo placeholders labelled), and the basemap's 审图号."""

from __future__ import annotations

from config import TestingConfig
from crowdplan import create_app
from crowdplan.geo import maps, pages

MARKS = {
    "SITE_OWNER": "咸宁市自然资源和规划局",
    "SITE_CODE": "4212000001",
    "ICP_NUMBER": "鄂ICP备12345678号-1",
    "PSB_NUMBER": "鄂公网安备42120202000123号",
}


def _footer(client) -> str:
    with client.get("/login") as r:
        assert r.status_code == 200
        html = r.get_data(as_text=True)
    return html[html.index('<footer class="site-footer">') :]


def test_footer_marks_only_when_configured_and_demo_values_are_labelled(app, client):
    footer = _footer(client)
    assert 'class="site-marks"' not in footer and "ICP" not in footer
    app.config.update(MARKS)
    footer = _footer(client)
    assert "主办单位：咸宁市自然资源和规划局" in footer and "网站标识码：4212000001" in footer
    assert '<a href="https://beian.miit.gov.cn/"' in footer and "鄂ICP备12345678号-1</a>" in footer
    psb = "https://beian.mps.gov.cn/#/query/webSearch?code=42120202000123"
    assert f'<a href="{psb}"' in footer and "鄂公网安备42120202000123号</a>" in footer
    assert "demo-mark" not in footer
    client.get("/lang/en")  # pages follow the language switch
    assert "Site owner: 咸宁市自然资源和规划局" in _footer(client)
    client.get("/lang/zh_CN")
    # Only some set: only those shown; development's placeholders say what they are.
    app.config.update(SITE_CODE="", PSB_NUMBER="", ICP_NUMBER="")
    footer = _footer(client)
    assert "主办单位" in footer and "网站标识码" not in footer and "公网安备" not in footer
    app.config.update(SITE_OWNER="", CROWDPLAN_FOOTER_DEMO=True)
    footer = _footer(client)
    assert "鄂ICP备XXXXXXXX号" in footer and footer.count('class="demo-mark"') == 4
    assert "演示" in footer


def test_review_number_joins_the_basemap_attribution():
    tdt = maps.tiles_from_config("tianditu", tianditu_key="K", review="审图号：GS(2024)0000号")
    assert tdt.attribution == "&copy; 天地图 Tianditu · 审图号：GS(2024)0000号"
    assert maps.tiles_from_config("none", review="审图号：x").attribution == ""
    own = maps.tiles_from_config("http://t/{z}/{x}/{y}.png", review="<b>审图号</b>")
    assert own.attribution == "&lt;b&gt;审图号&lt;/b&gt;"  # text, never markup
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI="sqlite://",
        CROWDPLAN_TILES="tianditu",
        CROWDPLAN_TILES_REVIEW_NUMBER="GS(2024)0000号",
    )
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        tiles = pages.tiles()
        assert tiles.attribution.endswith("审图号：GS(2024)0000号")
        embed = pages.embed_map(maps.base_map(tiles))
        assert "GS(2024)0000" in embed.script
