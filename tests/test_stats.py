"""Every figure on /stats against a query written independently here (raw SQL)."""

from sqlalchemy import text

from crowdplan.extensions import db


def _one(sql: str, **params):
    return db.session.execute(text(sql), params).scalar()


def _pct(a, b):
    return round(100.0 * a / b, 1) if b else None


def test_headline_figures_match_independent_queries(demo_full, client):
    browser = {"User-Agent": "Mozilla/5.0 Chrome/130"}
    with demo_full.app_context():
        first, second = db.session.execute(
            text(
                "SELECT DISTINCT plan_id FROM plan_versions WHERE published_at IS NOT NULL ORDER BY plan_id"
            )
        ).scalars()
    for plan_id in (first, first, second):
        assert client.get(f"/plans/{plan_id}", headers=browser).status_code == 200
    data = client.get("/api/v1/stats").json
    with demo_full.app_context():
        pub = "visibility = 'published'"
        expected = {
            "plans_published": _one(
                "SELECT COUNT(DISTINCT plan_id) FROM plan_versions WHERE published_at IS NOT NULL"
            ),
            "views": _one(
                "SELECT COALESCE(SUM(views), 0) FROM view_counts WHERE object_type = 'plan'"
            ),
            "unique_visitors": _one(
                "SELECT COUNT(*) FROM unique_visitors WHERE object_type = 'plan'"
            ),
            "suggestions": _one(f"SELECT COUNT(*) FROM suggestions WHERE {pub}"),
            "organisations": _one(
                f"SELECT COUNT(DISTINCT s.author_id) FROM suggestions s JOIN users u ON u.id = s.author_id WHERE s.{pub} AND u.role = 'organisation'"
            ),
            "adopted": _one(
                f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND decision IN ('adopted', 'partly')"
            ),
        }
        total = _one(f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND status <> 'merged'")
        replied = _one(
            f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND status <> 'merged' AND replied_at IS NOT NULL"
        )
        on_time = _one(
            f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND status <> 'merged' AND replied_at <= reply_due_at"
        )
        decided = _one(
            f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND status <> 'merged' AND decision IS NOT NULL"
        )
        people = _one(
            f"SELECT COUNT(DISTINCT s.author_id) FROM suggestions s JOIN users u ON u.id = s.author_id WHERE s.{pub} AND u.role <> 'organisation'"
        )
        members = _one(
            f"SELECT COALESCE(SUM(m), 0) FROM (SELECT MAX(org_members) AS m FROM suggestions WHERE {pub} AND org_members IS NOT NULL GROUP BY author_id) t"
        )
    for key, value in expected.items():
        assert data[key] == value, key
    assert data["views"] == 3 and data["unique_visitors"] == 2
    assert data["replied_pct"] == _pct(replied, total) and data["on_time_pct"] == _pct(
        on_time, replied
    )
    assert data["adoption_rate_pct"] == _pct(expected["adopted"], decided)
    assert data["people"] == people and data["members_represented"] == members == 120
    assert data["plans_in_notice"] == 1


def test_breakdowns_match_independent_queries(demo_full, client):
    data = client.get("/api/v1/stats").json
    with demo_full.app_context():
        by_topic = dict(
            db.session.execute(
                text(
                    "SELECT t.code, COUNT(s.id) FROM topics t LEFT JOIN suggestions s ON s.topic_id = t.id AND s.visibility = 'published' GROUP BY t.code"
                )
            ).all()
        )
        by_area = dict(
            db.session.execute(
                text(
                    "SELECT routing_area_adcode, COUNT(*) FROM suggestions WHERE visibility = 'published' GROUP BY routing_area_adcode"
                )
            ).all()
        )
        population = dict(
            db.session.execute(
                text("SELECT adcode, population FROM areas WHERE valid_to IS NULL")
            ).all()
        )
        by_dept = dict(
            db.session.execute(
                text(
                    "SELECT d.code, COUNT(*) FROM suggestions s JOIN departments d ON d.id = s.department_id WHERE s.visibility = 'published' AND s.status <> 'merged' GROUP BY d.code"
                )
            ).all()
        )
    assert {t["code"]: t["suggestions"] for t in data["by_topic"]} == by_topic
    for area in data["by_area"]:
        n = by_area.get(area["adcode"], 0)
        assert area["suggestions"] == n
        assert area["per_10k"] == round(n * 10000 / population[area["adcode"]], 2)
    assert {d["code"]: d["cases"] for d in data["by_department"]} == by_dept
    shares = {
        a["adcode"]: a["suggestions"] / sum(by_area.get(c, 0) for c in population)
        for a in data["by_area"]
        for c in [a["adcode"]]
    }
    pop_total = sum(population.values())
    for area in data["by_area"]:
        assert area["under_represented"] == (
            shares[area["adcode"]] < 0.5 * population[area["adcode"]] / pop_total
        )


def test_stats_page_shows_the_same_figures(demo_full, client):
    data = client.get("/api/v1/stats").json
    html = client.get("/stats").get_data(as_text=True)
    assert f'data-kpi="suggestions"><span class="kpi-value">{data["suggestions"]}<' in html
    assert (
        f'data-kpi="adoption_rate_pct"><span class="kpi-value">{data["adoption_rate_pct"]}%<'
        in html
    )
    assert "代表性不足" in html
