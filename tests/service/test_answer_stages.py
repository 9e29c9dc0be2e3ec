"""The answerer's stages on their own, without the model: question terms, number choice, span cutting,
verification, scoring, confidence, parameters, conversation memory and the formatters."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from indexer.gazetteer import Gazetteer
from indexer.metadata import build_document
from indexer.store import Unit
from indexer.types import Chunk, Document, RawDocument, SourceFormat
from service import phrases
from service.analysis import QuestionAnalyzer
from service.answer.confidence import CONFIDENCE_FEATURES, LogisticCalibrator
from service.answer.features import FEATURES
from service.answer.numbers import NumberReader
from service.answer.parameters import (
    PARAMETERS_FILE,
    AnswerParameters,
    ConfidenceWeights,
    NumberWeights,
    ScorerWeights,
    SpanSettings,
)
from service.answer.scoring import LinearScorer
from service.answer.spans import asks_condition, clause_span, phrase_span, sides_span
from service.answer.terms import QuestionTerms, UnitClass, WhKind, asked_unit, question_terms, question_word
from service.answer.types import Answer, Candidate, Citation, Outcome, Phrase
from service.answer.verification import about_asked_provinces, counted_agrees
from service.chat.memory import ConversationMemory
from service.formatting.slack import slack_message
from service.formatting.text import plain_text
from service.formatting.zalo import zalo_text
from service.retrieval import Hit


@pytest.fixture(scope="module")
def analyzer() -> QuestionAnalyzer:
    return QuestionAnalyzer(Gazetteer.load())


def terms_of(analyzer: QuestionAnalyzer, question: str) -> QuestionTerms:
    q = analyzer.analyze(question)
    province = frozenset(w for p in q.searched_provinces for w in phrases.words(p, q.folded))
    return question_terms(q, province)


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("Người phạm tội thì bị phạt tù từ bao lâu đến bao lâu?", UnitClass.DURATION),
        ("Thu lợi bất chính từ bao nhiêu trở lên thì bị phạt tù từ 02 năm đến 07 năm?", UnitClass.MONEY),
        ("Bức tử đối với mấy người trở lên thì bị phạt tù?", UnitClass.PEOPLE),
        ("Tỷ lệ máy tính trên cán bộ là bao nhiêu?", UnitClass.PERCENT),
        ("Người lao động phải đủ bao nhiêu tuổi?", UnitClass.AGE),
        ("Quảng Nam có bao nhiêu máy chủ?", None),
    ],
)
def test_the_unit_a_question_asks_for(question: str, unit: UnitClass | None) -> None:
    assert asked_unit(question) == unit


def test_where_the_question_word_sits() -> None:
    who = question_word("Ai là Phó giám đốc Trung tâm Y tế thị xã Hương Trà?", False)
    assert who.kind is WhKind.WHO and who.at == 0 and who.after[:2] == ("phó", "giám")
    what = question_word("Hóa chất chứa trong chai nước ngọt được xác định là gì?", False)
    assert what.kind is WhKind.WHAT and what.at == 1.0 and "định" in what.before
    assert question_word("Vì sao trẻ dễ nhét dị vật vào người?", False).kind is WhKind.WHY
    # with diacritics "máy" is a machine, only "mấy" asks
    assert question_word("Quảng Nam có máy chủ ở đâu?", False).kind is WhKind.WHERE


def test_the_counted_thing_and_its_alternatives(analyzer: QuestionAnalyzer) -> None:
    assert terms_of(analyzer, "Điện Biên đã kiểm tra bao nhiêu cơ quan, đơn vị?").counted == (
        ("cơ", "quan"),
        ("đơn", "vị"),
    )
    assert terms_of(analyzer, "Trung tâm dữ liệu Quảng Nam có mấy máy chủ?").counted == (("máy", "chủ"),)
    # "in" (to print) is a Vietnamese word, not the English stop word
    assert terms_of(analyzer, "Khánh Hòa có bao nhiêu máy in?").counted == (("máy", "in"),)
    assert terms_of(analyzer, "Tổng số máy vi tính là bao nhiêu?").counted == ()


def test_numbers_that_name_a_part_of_a_document_are_references() -> None:
    found = {
        n.text: n.reference for n in phrases.numbers_in("theo Điều 110, khoản 2 thì phạt 03 năm; Quyết định số 123")
    }
    assert found == {"110": True, "2": True, "03": False, "123": True}


def test_the_number_of_the_asked_kind_wins(analyzer: QuestionAnalyzer) -> None:
    question = "Người vi phạm thì bị phạt tù bao lâu?"
    q = analyzer.analyze(question)
    text = "Người vi phạm thì bị phạt tiền 200.000.000 đồng hoặc phạt tù 07 năm."
    found = NumberReader(NumberWeights()).best(text, q, terms_of(analyzer, question))
    assert found is not None and found.mention.text == "07" and found.unit is UnitClass.DURATION


@pytest.mark.parametrize(
    ("question", "sentence", "clause", "phrase"),
    [
        (  # the question word last: the answer follows the question's own words
            "Hóa chất chứa trong chai nước ngọt được xác định là gì?",
            "Hóa chất chứa trong chai nước ngọt được xác định là một loại phospho hữu cơ.",
            "một loại phospho hữu cơ",
            "một loại phospho hữu cơ",
        ),
        (  # the question word first: the answer precedes them
            "Ai là Phó giám đốc Trung tâm Y tế thị xã Hương Trà?",
            "Ông Lê Đức Thịnh, Phó giám đốc Trung tâm Y tế thị xã Hương Trà, xác nhận bệnh nhân đã tử vong.",
            "Ông Lê Đức Thịnh",
            "Ông Lê Đức Thịnh",
        ),
        (  # "… là X": the answer follows the restated part, even with the question word first
            "Yếu tố nào tác động trực tiếp đến chất lượng tinh trùng?",
            "Theo các nhà khoa học, vấn đề tác động trực tiếp tới chất lượng tinh trùng là nhiệt độ.",
            "Theo các nhà khoa học, vấn đề",
            "là nhiệt độ",
        ),
        (  # a clause never drops a new word; the phrase drops the whole restated stretch, new words in it too
            "Con người thụ động đưa dầu ăn đã qua chiên, nấu qua các đường nào?",
            "Con người dù không trực tiếp sử dụng dầu ăn đã qua chiên, nấu nhưng thụ động đưa vào cơ thể loại dầu "
            "này qua các món chiên tại cửa hàng đồ ăn nhanh.",
            "dù không trực tiếp sử dụng dầu ăn đã qua chiên, nấu nhưng thụ động đưa vào cơ thể loại dầu này qua "
            "các món chiên tại cửa hàng đồ ăn nhanh",
            "vào cơ thể loại dầu này qua các món chiên tại cửa hàng đồ ăn nhanh",
        ),
    ],
)
def test_free_text_spans(analyzer: QuestionAnalyzer, question: str, sentence: str, clause: str, phrase: str) -> None:
    terms = terms_of(analyzer, question)
    for cut, expected in ((clause_span, clause), (phrase_span, phrase)):
        span = cut(sentence, terms, SpanSettings())
        assert span is not None and sentence[span[0] : span[1]].strip(" ,.") == expected, cut.__name__


def test_nothing_new_in_a_sentence_is_no_span(analyzer: QuestionAnalyzer) -> None:
    terms = terms_of(analyzer, "Hóa chất chứa trong chai nước ngọt là gì?")
    for cut in (clause_span, phrase_span):
        assert cut("Hóa chất chứa trong chai nước ngọt.", terms, SpanSettings()) is None


def test_counted_thing_agreement() -> None:
    servers = Phrase("từ 1 đến 2 máy chủ", "number", "máy chủ")
    assert not counted_agrees("… quy mô từ 1 đến 2 máy chủ/ mạng", servers, ("máy", "in"), False)
    points = Phrase("19 điểm", "number", "điểm")
    assert counted_agrees("… quy mô 19 điểm bao gồm …", points, ("điểm", "cầu"), False)
    units = Phrase("51 đơn vị", "number", "đơn vị")
    assert counted_agrees("kết nối mạng: 51 đơn vị", units, ("đơn", "vị"), False)
    bare = Phrase("412", "number", None)  # the counted words before the number
    assert counted_agrees("Số máy tính là 412", bare, ("máy", "tính"), False)
    assert not counted_agrees("Số máy chủ là 412", bare, ("máy", "tính"), False)


def test_linear_scorer() -> None:
    weights = ScorerWeights({"similarity": 10.0, "terms": 1.0})
    scorer = LinearScorer(weights)
    x = np.zeros((3, len(FEATURES)))
    x[:, FEATURES.index("similarity")] = [0.80, 0.95, 0.90]
    ranked = scorer.rank(["a", "b", "c"], x)  # type: ignore[arg-type]
    assert [s.candidate for s in ranked] == ["b", "c", "a"]
    assert sum(s.probability for s in ranked) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unknown features"):
        LinearScorer(ScorerWeights({"no-such-feature": 1.0}))


def test_logistic_calibrator_is_monotone_in_its_evidence() -> None:
    calibrator = LogisticCalibrator(ConfidenceWeights({"document_terms": 4.0, "unseen": -2.0}, bias=-1.0))
    evidence = np.zeros(len(CONFIDENCE_FEATURES))
    low = calibrator.probability(evidence)
    evidence[CONFIDENCE_FEATURES.index("document_terms")] = 1.0
    high = calibrator.probability(evidence)
    evidence[CONFIDENCE_FEATURES.index("unseen")] = 2.0
    assert 0 < low < high < 1 and calibrator.probability(evidence) < high
    with pytest.raises(ValueError, match="unknown features"):
        LogisticCalibrator(ConfidenceWeights({"nonsense": 1.0}))


def test_parameters_round_trip_and_the_fitted_file(tmp_path: Path) -> None:
    changed = AnswerParameters(spans=SpanSettings(span_modes={"what": "phrase"}, unmatched_cost=2.0))
    path = tmp_path / "p.json"
    path.write_text(changed.to_json(), encoding="utf-8")
    loaded = AnswerParameters.load(path)
    assert loaded.spans.unmatched_cost == 2.0 and loaded.spans.span_modes == {"what": "phrase"}
    assert loaded.numbers == NumberWeights()  # nested defaults survive
    assert AnswerParameters.load(tmp_path / "absent.json") == AnswerParameters()
    fitted = json.loads(PARAMETERS_FILE.read_text(encoding="utf-8"))
    assert fitted["provenance"]["fitted"] is True and "train" in fitted["provenance"]["training"]
    assert set(fitted["scorer"]["weights"]) <= set(FEATURES)
    assert set(fitted["confidence"]["weights"]) <= set(CONFIDENCE_FEATURES)


def test_conversation_memory_keeps_the_last_turns_and_forgets_silence() -> None:
    memory = ConversationMemory(ttl=0.2, turns=2)
    assert memory.add("a", "một") == ("một",)
    assert memory.add("a", "hai") == ("một", "hai")
    assert memory.add("a", "ba") == ("hai", "ba")
    assert memory.add("b", "khác") == ("khác",)
    time.sleep(0.25)
    assert memory.add("a", "bốn") == ("bốn",)


def _answer(text: str | None, message: str | None = None) -> Answer:
    citation = Citation("r.txt", "Báo cáo", "c1", 0, 40, "Tỉnh có 19 điểm cầu hội nghị truyền hình. " * 20, 0.9)
    outcome = Outcome.ANSWERED if text else Outcome.NOT_COVERED
    return Answer(text, "Tỉnh có 19 điểm cầu hội nghị truyền hình.", [citation], message, [], 0.87, outcome)


def test_formatters_say_the_same_answer_each_in_its_way() -> None:
    answer = _answer("19 điểm cầu")
    text = plain_text(answer)
    assert text.startswith("19 điểm cầu [1]") and "0.87" in text and "Nguồn / Sources:\n[1] Báo cáo (r.txt)" in text
    fallback, blocks = slack_message(answer)
    assert fallback.startswith("19 điểm cầu") and any("0.87" in json.dumps(b) for b in blocks)
    zalo = zalo_text(answer)
    assert zalo.startswith("19 điểm cầu") and "0.87" in zalo and len(zalo) <= 2000
    refusal = _answer(None, "Các báo cáo không nêu thông tin này.")
    assert plain_text(refusal).startswith("Các báo cáo không nêu") and "0.87" not in plain_text(refusal)
    assert zalo_text(refusal).startswith("Xin lỗi") and slack_message(refusal)[0].startswith("Xin lỗi")


def test_the_other_side_of_a_rule_answers(analyzer: QuestionAnalyzer) -> None:
    """ "<condition> thì <consequence>": asked with the condition's words, the consequence answers; asked for
    a condition ("trong trường hợp nào"), only what stands before "thì" does."""
    settings = SpanSettings()
    question = "Nhiều người cùng làm một việc được giao thì được trả công ra sao?"
    sentence = "Trường hợp nhiều người cùng làm một việc được giao thì mỗi người nhận một phần tương ứng với sức mình."
    span = sides_span(sentence, terms_of(analyzer, question), settings)
    assert span is not None and sentence[span[0] : span[1]] == "mỗi người nhận một phần tương ứng với sức mình"

    question = "Người lái xe phải bồi thường trong trường hợp nào?"
    sentence = "Nếu thiệt hại xảy ra do lỗi cố ý của chủ phương tiện thì người lái xe phải bồi thường toàn bộ."
    q = analyzer.analyze(question)
    assert asks_condition(q)
    span = sides_span(sentence, terms_of(analyzer, question), settings, condition=True)
    assert span is not None and sentence[span[0] : span[1]] == "Nếu thiệt hại xảy ra do lỗi cố ý của chủ phương tiện"
    # the same sentence asked the other way round: a condition question never takes the consequence
    question = "Khi thiệt hại xảy ra do lỗi cố ý của chủ phương tiện thì sao?"
    assert sides_span(sentence, terms_of(analyzer, question), settings, condition=True) is None


def test_the_term_a_description_names(analyzer: QuestionAnalyzer) -> None:
    settings = SpanSettings()
    question = "Việc giữ tài sản của người khác khi chủ không có mặt được gọi là gì?"
    sentence = "Ký gửi là việc giữ tài sản của người khác khi chủ không có mặt."
    span = sides_span(sentence, terms_of(analyzer, question), settings)
    assert span is not None and sentence[span[0] : span[1]] == "Ký gửi"
    # a pointer back names nothing, and what follows "là" is left to the definition reader
    assert (
        sides_span(
            "Kết quả này là việc giữ tài sản của người khác khi chủ không có mặt.",
            terms_of(analyzer, question),
            settings,
        )
        is None
    )
    assert phrases.definition(sentence, "Ký gửi là gì?") == sentence


def test_the_entity_a_question_names_is_the_one_it_does_not_say() -> None:
    text = "Nhà trường có phòng học, phòng thư viện và phòng thí nghiệm hiện đại."
    found = phrases.entity_phrase(text, "Nhà trường có phòng học, phòng thí nghiệm và phòng nào?")
    assert found is not None and found.startswith("phòng thư viện")
    long = "Dự án nào được duyệt? Dự án cải tạo hệ thống thoát nước khu dân cư phía bắc thành phố."
    found = phrases.entity_phrase(long, "Dự án nào được duyệt?")
    assert found is not None and found.split()[-1] in long.split()  # never cut inside a word


def test_the_counted_word_after_a_number_decides(analyzer: QuestionAnalyzer) -> None:
    question = "Người lao động được nghỉ bao nhiêu ngày?"
    q = analyzer.analyze(question)
    text = "Người lao động làm việc đủ 12 tháng thì được nghỉ hằng năm 14 ngày."
    found = NumberReader(NumberWeights()).best(text, q, terms_of(analyzer, question))
    assert found is not None and found.mention.text == "14"
    found = NumberReader(NumberWeights(counted_word=0.0)).best(text, q, terms_of(analyzer, question))
    assert found is not None and found.mention.text == "12"  # what the word after the number decided


def test_a_province_question_is_answered_from_a_document_about_it_or_a_sentence_naming_it(
    analyzer: QuestionAnalyzer,
) -> None:
    """Verification: a news item that names Quảng Nam in passing (its subject is Hà Nội) does not answer a question
    about Quảng Nam — unless the sentence itself names Quảng Nam, as a national list's line does."""
    gazetteer = Gazetteer.load()
    text = (
        "Đội bóng thủ đô thắng trận mở màn\n\nChiều qua tại sân Hàng Đẫy, Hà Nội thắng 2-0. Hà Nội có 19 cầu thủ. "
        "Cổ động viên Hà Nội đến sân rất đông. Tiền đạo sinh ra ở Quảng Nam ghi bàn thứ hai."
    )
    news = build_document("news.txt", RawDocument(text, SourceFormat.TEXT), "-", len(text), gazetteer)
    assert "Quảng Nam" in news.provinces and "Quảng Nam" not in news.about

    def candidate(sentence: str, document: Document = news) -> Candidate:
        start = document.text.index(sentence)
        chunk = Chunk(document.source, 0, 0, len(document.text), document.text)
        unit = Unit(0, document.source, start, start + len(sentence), sentence)
        return Candidate(unit, Hit(0, chunk, document, 1.0, 1.0, 1.0), 0, 0.9)

    asked = analyzer.analyze("Quảng Nam có bao nhiêu cầu thủ?")
    assert not about_asked_provinces(asked, candidate("Hà Nội có 19 cầu thủ."), gazetteer)
    assert about_asked_provinces(asked, candidate("Tiền đạo sinh ra ở Quảng Nam ghi bàn thứ hai."), gazetteer)
    assert about_asked_provinces(
        analyzer.analyze("Hà Nội có bao nhiêu cầu thủ?"), candidate("Hà Nội có 19 cầu thủ."), gazetteer
    )
    assert about_asked_provinces(
        analyzer.analyze("Có bao nhiêu cầu thủ?"), candidate("Hà Nội có 19 cầu thủ."), gazetteer
    )
    old = replace(news, subjects=None)  # an index from before subjects were kept: every province named counts
    assert about_asked_provinces(asked, candidate("Hà Nội có 19 cầu thủ.", old), gazetteer)
