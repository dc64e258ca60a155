"""Rows committed in groups do exactly what they did one transaction per file: within one group a file sees the
rows written before it (a duplicate, the version it supersedes, the other side of a pair for the cross-document
check) and the audit log has the same events in the same order; a group is committed at the latest half a second
after its first file, even while the next file is still being read. On SQLite and PostgreSQL."""

import time

import pytest
from conftest import YEAR, need_pg, pg_database
from fixtures.store import new_version, reader_changing

from formkit.intake import group
from formkit.intake.ingest import ingest
from formkit.issue.batch import issued_rows
from formkit.simulate import fill_recipients
from formkit.store import Store

EDITS = {"U001-130731": {"funds_invested_arrived": "1"}, "U001-130732": {"funds_invested_arrived": "2"}}


def trail(store):
    """The audit log as (event, submission, what it names), times and digests left out."""
    keep = ("file", "outcome", "code", "by", "supersedes", "was", "codes", "unit", "county")
    return [(e["event"], e["submission_id"], e["sha256"],
             {k: v for k, v in (e["detail"] or {}).items() if k in keep and k != "file"})
            for e in store.audit_events()]


def test_one_group_stores_what_one_file_at_a_time_stores(store_url, second_url, issued, sample_roster, filled_forms,
                                                           tmp_path, monkeypatch):
    """A batch holding a pair that disagrees (county, unit, the other county), a new version of a form before
    the form it replaces is stored twice, and the same bytes again: stored in one group and stored one file
    per ingest give the same rows, the same findings across documents and the same audit trail."""
    out, results = issued
    files = {(r.form, r.recipient_id): out / r.file for r in results}
    filled = fill_recipients(sample_roster, YEAR, files, tmp_path / "returned", EDITS)
    folder = tmp_path / "batch"
    folder.mkdir()
    batch = []
    for name, data in (("1.docx", filled["U001-130731"].read_bytes()), ("2.docx", filled["U001"].read_bytes()),
                       ("3.docx", filled["U001-130732"].read_bytes()), ("4.docx", filled_forms["U002"].read_bytes()),
                       ("5.docx", new_version(filled_forms["U002"].read_bytes())),
                       ("6.docx", filled_forms["U002"].read_bytes())):
        (folder / name).write_bytes(data)
        batch.append(folder / name)
    monkeypatch.setattr(group, "GROUP_SECONDS", 60)  # however slowly the machine reads: one group
    transactions = []
    writing = Store.writing
    monkeypatch.setattr(Store, "writing", lambda self: transactions.append(1) or writing(self))
    seen = []
    for label in ("together", "alone"):
        with Store(store_url if label == "together" else second_url, tmp_path / label) as store:
            store.record_issued(issued_rows(results, YEAR))
            if label == "together":
                stored = list(ingest([folder], store, YEAR))
                assert len(transactions) == 1
            else:
                stored = [r for path in batch for r in ingest([path], store, YEAR)]
            current = store.current(YEAR)
            seen.append(([(r.outcome, r.submission, r.duplicate) for r in stored], trail(store),
                         sorted((k, [(f.code, f.subject) for f in s.later]) for k, s in current.items()),
                         {k: s.supersedes for k, s in current.items()}))
            assert store.verify() == {"missing": [], "corrupt": [], "orphaned": [], "audit": []}
    together, alone = seen
    assert together == alone
    outcomes, events, later, supersedes = together
    assert [d for _o, _s, d in outcomes] == [False, False, False, False, False, True]
    assert supersedes[("self-assessment", "U002")] == outcomes[3][1]  # v2 supersedes v1, in the same group
    assert ("cross-checked", outcomes[1][1]) in [(e, s) for e, s, _sha, _d in events]
    assert sorted(dict(later)[("self-assessment", "U001")]) == [("rule.funds-differ", "太行县"),
                                                                ("rule.funds-differ", "燕山县")]


@pytest.fixture
def second_url(store_url, tmp_path):
    """Another fresh store of the same kind as ``store_url``."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/alone.db"
    else:
        yield from pg_database(need_pg())


def test_a_group_commits_while_the_next_file_is_still_being_read(store, filled_forms, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for i, rid in enumerate(("U001", "U002", "U003")):
        (folder / f"{i}-{rid}.docx").write_bytes(filled_forms[rid].read_bytes())
    slow_done = []

    def slow(name, outcome):
        if name.startswith("2-"):
            time.sleep(2 * group.GROUP_SECONDS + 0.5)
            slow_done.append(time.monotonic())
        return outcome

    reader_changing(monkeypatch, slow)
    committed = []
    results = list(ingest([folder], store, workers=2, on_progress=lambda r: committed.append(time.monotonic())))
    assert len(results) == 3 and all(r.submission for r in results)
    assert committed[0] < slow_done[0] and committed[1] < slow_done[0]  # not held back by the slow file


def test_the_originals_held_stay_within_the_group_budget(store, filled_forms, tmp_path, monkeypatch):
    """A group commits before a file would take its originals over ``GROUP_BYTES`` (a file larger than that
    is a group of its own), and the files read meanwhile are held within the same budget."""
    folder = tmp_path / "in"
    folder.mkdir()
    sizes = {}
    for i, rid in enumerate(("U001", "U002", "U003", "U004", "U005", "U006")):
        data = filled_forms[rid].read_bytes()
        (folder / f"{i}-{rid}.docx").write_bytes(data)
        sizes[len(data)] = rid
    budget = 2 * max(sizes) + 1  # two files, never three
    monkeypatch.setattr(group, "GROUP_BYTES", budget)
    monkeypatch.setattr(group, "GROUP_SECONDS", 60)
    committed = []
    commit = group.Group.commit
    monkeypatch.setattr(group.Group, "commit", lambda self: committed.append((len(self), self.size)) or commit(self))
    results = list(ingest([folder], store, workers=2))
    assert len(results) == 6 and all(r.submission for r in results)
    assert [n for n, _size in committed if n] == [2, 2, 2] and all(size <= budget for _n, size in committed)


def test_files_in_hand_stay_within_the_budget():
    from formkit.intake.worker import in_order

    held, most = [0], [0]

    def weighed(size):  # called as each item is taken in hand
        held[0] += size
        most[0] = max(most[0], held[0])
        return size

    for size in in_order(lambda size, _following: time.sleep(0.01) or size, [10] * 20, workers=2, weight=weighed,
                         budget=25):
        held[0] -= size
    assert most[0] <= 35  # the budget, and the item that went over it (unbounded: 2 × 2 + 1 items, 50)


@pytest.mark.parametrize("workers", [1, 2])
def test_each_item_is_given_the_item_its_thread_computes_next(workers):
    """What lets a reading thread send its worker the next file ahead: ``following`` is the item the same
    thread computes next (when already in hand), and the results still come in the items' order."""
    import threading

    from formkit.intake.worker import in_order

    calls = []

    def fn(item, following):
        calls.append((threading.current_thread().name, item, following))
        time.sleep(0.005)
        return item

    assert list(in_order(fn, range(12), workers=workers, ahead=4)) == list(range(12))
    threads = {name for name, _item, _following in calls}
    assert len(threads) == workers
    for thread in threads:
        mine = [(item, following) for name, item, following in calls if name == thread]
        assert [item for item, _f in mine] == sorted(item for item, _f in mine)
        assert all(f is None or f == nxt for (_i, f), (nxt, _g) in zip(mine, mine[1:], strict=False))
        assert mine[-1][1] is None
    assert sum(f is not None for _n, _i, f in calls) >= 12 - 2 * workers


def test_slow_items_are_shared_by_the_threads_whatever_their_places():
    """A thread takes the next item when it is free (claiming only the one after it): slow items at every
    other place are not all left to one thread."""
    import threading

    from formkit.intake.worker import in_order

    slow_by = []

    def fn(item, _following):
        if item % 2 == 0:
            slow_by.append(threading.current_thread().name)
            time.sleep(0.05)
        return item

    assert list(in_order(fn, range(16), workers=2)) == list(range(16))
    assert len(set(slow_by)) == 2

