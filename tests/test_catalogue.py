from formkit.forms import load_catalogue, load_form


def test_catalogue_holds_the_whole_annex():
    cat = load_catalogue()
    assert [a.name for a in cat.areas] == ["组织领导", "选派挂职干部", "促进乡村振兴", "工作创新"]
    ids = [i.id for i in cat.indicators()]
    assert ids == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "3.1", "3.2",
                   "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5", "4.1", "4.2", "4.3", "4.4"]
    five = cat.indicator("3.2").items
    assert [i.name for i in five] == ["助力产业振兴", "助力人才振兴", "助力文化振兴", "助力生态振兴", "助力组织振兴"]
    assert [e.number for e in cat.explanations] == list(range(1, 9))
    assert "示范点" in cat.explanations[6].note
    assert cat.data_source == "本单位提供,牵头部门核实"
    assert all(a.data_source == cat.data_source for a in cat.areas)
    # spot-check the regulation's own wording
    assert cat.indicator("1.1").text.startswith("单位负责同志当年至少到每个定点帮扶县调研考察一次")
    assert "高价彩礼" in cat.explanations[4].text


def test_every_indicator_is_evidenced_by_the_self_assessment():
    cat = load_catalogue()
    form = load_form("self-assessment")
    refs = {f.indicator for f in form.fields}
    leaves = [i.id for i in cat.indicators() if not i.items]
    missing = [i for i in leaves if i not in refs]
    assert missing == []


def test_every_explanation_points_at_a_known_indicator():
    cat = load_catalogue()
    for exp in cat.explanations:
        assert all(cat.knows(ref) for ref in exp.indicators), exp.number
