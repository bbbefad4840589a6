"""Home page, language switch, health checks, error pages in the user's language."""

from tests.conftest import csrf_from


def test_home_page_in_chinese_by_default_with_six_counties(demo, client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "共同规划咸宁" in html
    for name in ("咸安区", "嘉鱼县", "通城县", "崇阳县", "通山县", "赤壁市"):
        assert name in html


def test_language_switch_is_remembered(demo, client):
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Plan Xianning together" in html
    assert "Xian'an District" in html or "Xian&#39;an District" in html
    client.get("/lang/zh_CN")
    assert "共同规划咸宁" in client.get("/").get_data(as_text=True)


def test_language_switch_ignores_unknown_codes_and_offsite_targets(app, client):
    response = client.get("/lang/fr?next=//evil.example")
    assert response.headers["Location"] == "/"
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_no_page_links_a_cdn(demo, client):
    for path in ("/", "/login", "/register"):
        html = client.get(path).get_data(as_text=True)
        assert "https://" not in html.split("<body", 1)[0], path
        for host in ("cdn.jsdelivr", "cdnjs", "unpkg", "code.jquery", "bootstrapcdn"):
            assert host not in html, (path, host)


def test_vendored_assets_are_served(app, client):
    for path in (
        "/vendor/leaflet/leaflet.js",
        "/vendor/leaflet/leaflet.css",
        "/vendor/markercluster/leaflet.markercluster.js",
        "/vendor/folium/leaflet_heat.min.js",
    ):
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert response.data
    assert client.get("/vendor/nothing/x.js").status_code == 404
    assert client.get("/vendor/leaflet/../../../etc/passwd").status_code == 404


def test_healthz_and_readyz_name_the_backend(app, client, backend):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz").json
    assert ready["status"] == "ok" and ready["backend"] == backend
    assert ready["spatial_version"]


def test_not_found_in_each_language(app, client):
    zh = client.get("/no-such-page")
    assert zh.status_code == 404 and "页面不存在" in zh.get_data(as_text=True)
    client.get("/lang/en")
    en = client.get("/no-such-page")
    assert "This page does not exist" in en.get_data(as_text=True)


def test_api_errors_are_json(app, client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404 and response.json["error"]["message"]


def test_pages_carry_a_strict_csp_with_a_nonce(demo, client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "'nonce-" in script_src
    nonce = script_src.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_csrf_error_is_a_clear_400(app, client):
    page = client.get("/register").get_data(as_text=True)
    assert csrf_from(page)
    response = client.post("/register", data={"display_name": "x", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True) or "过期" in response.get_data(
        as_text=True
    )
