"""The fragment memo: builds once per key, keeps the most recently used, evicts the oldest."""

from crowdplan.memo import Memo


def test_memo_builds_once_per_key_and_evicts_least_recently_used():
    built: list[str] = []

    def builder(key):
        def build():
            built.append(key)
            return key.upper()

        return build

    memo: Memo[str] = Memo(size=2)
    assert memo.get("a", builder("a")) == "A"
    assert memo.get("a", builder("a")) == "A"
    assert memo.get("b", builder("b")) == "B"
    assert memo.get("a", builder("a")) == "A"  # a is now the most recent
    assert memo.get("c", builder("c")) == "C"  # evicts b
    assert memo.get("a", builder("a")) == "A"
    assert memo.get("b", builder("b")) == "B"
    assert built == ["a", "b", "c", "b"]
