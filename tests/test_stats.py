"""Every figure on /stats against a query written independently here (raw SQL)."""

from datetime import UTC, datetime

import pytest
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
        # Merged cases count as their own opinions (crowdplan.triage.figures).
        total = _one(f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND status <> 'not_accepted'")
        replied = _one(f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND replied_at IS NOT NULL")
        on_time = _one(
            f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND replied_at < reply_due_at"
        )
        late = _one(
            f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND (replied_at >= reply_due_at OR (replied_at IS NULL AND status NOT IN ('not_accepted', 'closed') AND reply_due_at < :now))",
            now=datetime.now(UTC).replace(tzinfo=None),
        )
        decided = _one(f"SELECT COUNT(*) FROM suggestions WHERE {pub} AND decision IS NOT NULL")
        people = _one(
            f"SELECT COUNT(DISTINCT s.author_id) FROM suggestions s JOIN users u ON u.id = s.author_id WHERE s.{pub} AND u.role <> 'organisation'"
        )
        members = _one(
            f"SELECT COALESCE(SUM(m), 0) FROM (SELECT MAX(org_members) AS m FROM suggestions WHERE {pub} AND org_members IS NOT NULL GROUP BY author_id) t"
        )
    for key, value in expected.items():
        assert data[key] == value, key
    assert data["views"] == 3 and data["unique_visitors"] == 2
    assert data["replied_pct"] == _pct(replied, total)
    assert data["on_time_pct"] == _pct(on_time, on_time + late)
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
                    "SELECT d.code, COUNT(*) FROM suggestions s JOIN departments d ON d.id = s.department_id WHERE s.visibility = 'published' GROUP BY d.code"
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


def _raw(sql: str, **params):
    return db.session.execute(text(sql), params).all()


def _as_utc(value):
    from datetime import UTC, datetime

    if isinstance(value, str):  # SQLite returns text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def test_over_time_matches_local_days_counted_here(demo_full, client):
    """Daily and weekly series against timestamps converted to Beijing dates in Python.

    Two suggestions sit either side of local midnight (15:59:59 and 16:00:00 UTC), so grouping
    by the UTC date would put them on the same day and fail.
    """
    from collections import Counter
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime.now(UTC)
    yesterday = (now.astimezone(shanghai) - timedelta(days=1)).date()
    before_midnight = datetime.combine(yesterday, datetime.min.time(), tzinfo=shanghai) - timedelta(
        seconds=1
    )
    with demo_full.app_context():
        ids = (
            db.session.execute(
                text("SELECT id FROM suggestions WHERE visibility = 'published' ORDER BY id")
            )
            .scalars()
            .all()
        )
        moments = [before_midnight, before_midnight + timedelta(seconds=1)]
        moments += [now - timedelta(days=3 * i, hours=i) for i in range(len(ids) - 2)]
        for sid, moment in zip(ids, moments, strict=True):
            db.session.execute(
                text("UPDATE suggestions SET created_at = :t WHERE id = :id"),
                {"t": moment.astimezone(UTC).replace(tzinfo=None), "id": sid},
            )
        db.session.commit()
        created = [
            _as_utc(v)
            for (v,) in _raw("SELECT created_at FROM suggestions WHERE visibility = 'published'")
        ]
        replied = [
            _as_utc(v)
            for (v,) in _raw(
                "SELECT replied_at FROM suggestions WHERE visibility = 'published' AND replied_at IS NOT NULL"
            )
        ]
        views = {
            str(d)[:10]: n
            for d, n in _raw(
                "SELECT day, SUM(views) FROM view_counts WHERE object_type = 'plan' GROUP BY day"
            )
        }
        plan_id = _one("SELECT MIN(plan_id) FROM plan_versions WHERE published_at IS NOT NULL")
    with client.get(f"/plans/{plan_id}", headers={"User-Agent": "Mozilla/5.0 Chrome/130"}) as r:
        assert r.status_code == 200
    views[now.astimezone(shanghai).date().isoformat()] = (
        views.get(now.astimezone(shanghai).date().isoformat(), 0) + 1
    )
    data = client.get("/api/v1/stats").json
    per_day_created = Counter(t.astimezone(shanghai).date().isoformat() for t in created)
    per_day_replied = Counter(t.astimezone(shanghai).date().isoformat() for t in replied)
    assert per_day_created[yesterday.isoformat()] >= 1
    assert per_day_created[(yesterday - timedelta(days=1)).isoformat()] >= 1
    today = now.astimezone(shanghai).date()
    assert len(data["daily"]) == 30 and data["daily"][-1]["day"] == today.isoformat()
    for row in data["daily"]:
        assert row["suggestions"] == per_day_created[row["day"]], row
        assert row["replies"] == per_day_replied[row["day"]], row
        assert row["views"] == views.get(row["day"], 0), row
    assert len(data["weekly"]) == 26
    for row in data["weekly"]:
        start = datetime.fromisoformat(row["week"]).date()
        assert start.weekday() == 0
        week = [(start + timedelta(days=i)).isoformat() for i in range(7)]
        assert row["suggestions"] == sum(per_day_created[d] for d in week), row
        assert row["replies"] == sum(per_day_replied[d] for d in week), row
    # Every suggestion of the last 26 weeks is in the weekly series.
    first = datetime.fromisoformat(data["weekly"][0]["week"]).date()
    assert sum(r["suggestions"] for r in data["weekly"]) == sum(
        n for d, n in per_day_created.items() if d >= first.isoformat()
    )


def test_by_plan_and_department_medians_match_independent_queries(demo_full, client):
    from statistics import median

    data = client.get("/api/v1/stats").json
    with demo_full.app_context():
        plans = dict(
            _raw(
                "SELECT plan_id, COUNT(*) FROM suggestions WHERE visibility = 'published' AND plan_id IS NOT NULL GROUP BY plan_id"
            )
        )
        adopted = dict(
            _raw(
                "SELECT plan_id, COUNT(*) FROM suggestions WHERE visibility = 'published' AND decision IN ('adopted', 'partly') GROUP BY plan_id"
            )
        )
        published = {
            p
            for (p,) in _raw(
                "SELECT DISTINCT plan_id FROM plan_versions WHERE published_at IS NOT NULL"
            )
        }
        rows = _raw(
            "SELECT d.code, s.created_at, s.replied_at, s.reply_due_at, s.status FROM suggestions s JOIN departments d ON d.id = s.department_id WHERE s.visibility = 'published'"
        )
    assert {p["id"] for p in data["by_plan"]} == published
    for p in data["by_plan"]:
        assert p["suggestions"] == plans.get(p["id"], 0)
        assert p["adopted"] == adopted.get(p["id"], 0)
    assert sum(p["adopted"] for p in data["by_plan"]) >= 1  # the demo plan with results
    hours: dict[str, list[int]] = {}
    on_time: dict[str, int] = {}
    late: dict[str, int] = {}
    now = datetime.now(UTC)
    for code, created, replied, due, status in rows:
        awaiting = status not in ("not_accepted", "closed")
        if replied is None:
            # Still owed a reply past the deadline: late (an open overdue case is not on time).
            late[code] = late.get(code, 0) + int(bool(due and awaiting and _as_utc(due) < now))
            continue
        h = (_as_utc(replied) - _as_utc(created)).total_seconds() / 3600
        hours.setdefault(code, []).append(int(h + 0.5))  # to the nearest hour
        in_time = due is not None and _as_utc(replied) < _as_utc(due)
        on_time[code] = on_time.get(code, 0) + int(in_time)
        late[code] = late.get(code, 0) + int(due is not None and not in_time)
    assert hours, "the demo has replied suggestions"
    for d in data["by_department"]:
        if d["code"] in hours:
            assert d["median_reply_days"] == round(median(hours[d["code"]]) / 24, 1), d
            assert d["replied"] == len(hours[d["code"]])
            assert d["on_time_pct"] == _pct(
                on_time[d["code"]], on_time[d["code"]] + late[d["code"]]
            )
        else:
            assert d["median_reply_days"] is None and d["replied"] == 0


def test_stats_page_draws_charts_and_the_plan_table(demo_full, client):
    with client.get("/stats") as r:
        html = r.get_data(as_text=True)
    assert (
        html.count("<svg") >= 2 and 'data-chart="daily"' in html and 'data-chart="weekly"' in html
    )
    charts = html[html.index('class="charts"') :]
    assert "<script" not in charts[: charts.index("</section>")]
    assert "每天" in html  # chart titles are translated
    assert 'class="table by-plan"' in html


def test_figures_are_cached_and_shared(demo_full, client, with_redis):
    """With a cache period, a new suggestion shows only once the cached figures expire."""
    demo_full.config["STATS_CACHE_SECONDS"] = 300
    try:
        before = client.get("/api/v1/stats").json["suggestions"]
        with demo_full.app_context():
            db.session.execute(
                text(
                    "UPDATE suggestions SET visibility = 'hidden' WHERE id = (SELECT MIN(id) FROM suggestions WHERE visibility = 'published')"
                )
            )
            db.session.commit()
        assert client.get("/api/v1/stats").json["suggestions"] == before  # cached
        assert any(k.endswith(b":stats:figures") for k in with_redis.scan_iter())
        with demo_full.app_context():
            from crowdplan.extensions import redis_client

            key = f"{demo_full.config['REDIS_KEY_PREFIX']}:stats:figures"
            redis_client().delete(key)
        assert client.get("/api/v1/stats").json["suggestions"] == before - 1
    finally:
        demo_full.config["STATS_CACHE_SECONDS"] = 0.0


def _hide_one_suggestion(app):
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE suggestions SET visibility = 'hidden' WHERE id = (SELECT MIN(id) FROM suggestions WHERE visibility = 'published')"
            )
        )
        db.session.commit()


@pytest.mark.parametrize("shared", [False, True], ids=["process", "redis"])
def test_stale_figures_are_served_at_once_and_refreshed_in_the_background(
    demo_full, client, request, shared
):
    """A request never waits for a recomputation once a copy exists; the copy catches up."""
    from crowdplan.stats import figures

    if shared:
        request.getfixturevalue("with_redis")
    demo_full.config["STATS_CACHE_SECONDS"] = 300
    figures._LOCAL.entry = None
    try:
        before = client.get("/api/v1/stats").json["suggestions"]
        _hide_one_suggestion(demo_full)
        assert client.get("/api/v1/stats").json["suggestions"] == before  # fresh copy
        with demo_full.app_context():
            store = figures._store()
            data, fresh = store.read()
            assert fresh
            store.write(data, -1)  # the copy's time is up
        figures._refreshing.clear()
        # Still the old figures, at once, while a background thread recomputes...
        assert client.get("/api/v1/stats").json["suggestions"] == before
        assert len(figures._refreshing) == 1
        figures._refreshing[0].join(timeout=60)
        # ...and the next request has the new ones.
        assert client.get("/api/v1/stats").json["suggestions"] == before - 1
    finally:
        demo_full.config["STATS_CACHE_SECONDS"] = 0.0
        figures._LOCAL.entry = None


def test_refresh_stats_command_fills_the_cache(demo_full, with_redis):
    from crowdplan.stats import figures

    demo_full.config["STATS_CACHE_SECONDS"] = 300
    try:
        result = demo_full.test_cli_runner().invoke(args=["refresh-stats"])
        assert result.exit_code == 0, result.output
        assert "computed in" in result.output
        with demo_full.app_context():
            data, fresh = figures._store().read()
        assert fresh and data["suggestions"] > 0
    finally:
        demo_full.config["STATS_CACHE_SECONDS"] = 0.0


def test_stats_and_display_on_a_city_with_no_areas_yet(app, client):
    # A fresh install before load-areas: the choropleth has nothing to shade, the page still shows.
    for page in ("/stats", "/display"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert 'data-kpi="suggestions"' in response.get_data(as_text=True)
