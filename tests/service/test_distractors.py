"""The seed reports among news articles that name their provinces (issue 17, quality at scale), with the real
model: questions about a report are still answered from it, a report about a province outranks news that names
the province, and a question no report answers is refused although news about that province is indexed.

The articles are chosen by a rule, not by hand: the first ones of ../shared/eval/external/news20k.jsonl.gz whose
text names each seed province (and Hà Nội, which no report covers), a few a province."""

import gzip
import json
import shutil

import pytest

from indexer.gazetteer import Gazetteer
from indexer.pipeline import Indexer
from indexer.reader import open_index
from service.answer import Answerer, Outcome
from service.engine import Engine
from service.search import SearchService
from tests.conftest import CORPUS, SHARED_EVAL

NEWS = SHARED_EVAL / "external" / "news20k.jsonl.gz"
PROVINCES = ("Quảng Nam", "Kon Tum", "Khánh Hòa", "Điện Biên", "Hà Nội")
PER_PROVINCE = 6
REPORTS = {p.name for p in CORPUS.iterdir() if p.is_file()}


def distractors() -> list[dict]:
    """For each province, the first PER_PROVINCE articles whose text names it."""
    chosen: dict[str, dict] = {}
    wanted = dict.fromkeys(PROVINCES, PER_PROVINCE)
    with gzip.open(NEWS, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for province, left in wanted.items():
                if left and province in row["text"] and row["id"] not in chosen:
                    chosen[row["id"]] = row
                    wanted[province] -= 1
            if not any(wanted.values()):
                break
    return list(chosen.values())


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder) -> Engine:
    if not NEWS.exists():
        pytest.skip("../shared/eval/external/news20k.jsonl.gz is not beside the checkout")
    root = tmp_path_factory.mktemp("distractors")
    shutil.copytree(CORPUS, root / "corpus")
    (root / "corpus" / "news").mkdir()
    articles = distractors()
    assert len(articles) >= PER_PROVINCE * 4
    for row in articles:
        (root / "corpus" / "news" / f"{row['id']}.txt").write_text(f"{row['title']}\n\n{row['text']}\n", "utf-8")
    Indexer(embedder, progress=False).run(root / "corpus", root / "index")
    index = open_index(root / "index", embedder.id)
    gazetteer = Gazetteer.load()
    return Engine(index, SearchService(index, embedder, gazetteer), Answerer(gazetteer, min_confidence=0.0))


def test_news_naming_the_seed_provinces_is_indexed(engine: Engine) -> None:
    documents = engine.index.store.documents()
    news = [d for d in documents if d.source.startswith("news/")]
    for province in PROVINCES[:4]:
        naming = [d for d in news if province in d.provinces]
        assert naming, province  # a filter on the province lets news through: ranking and answering must cope
    assert any(set(d.provinces) - set(d.about) for d in news)  # some name a province only in passing


@pytest.mark.parametrize(
    ("question", "report", "figure"),
    [
        ("quang nam co bao nhieu diem cau truyen hinh", "quang-nam", "19"),
        ("Trung tâm dữ liệu Quảng Nam có mấy máy chủ?", "quang-nam", "07"),
        ("kon tum co bao nhieu may chu cap huyen", "kon-tum-thieu-can-bo", "39"),
        ("How many servers does Kon Tum have at district level?", "kon-tum-thieu-can-bo", "39"),
        ("Khánh Hòa đặt mục tiêu bao nhiêu phần trăm UBND cấp xã sử dụng phần mềm cơ bản?", "khanh-hoa", None),
        ("Điện Biên: tỷ lệ cán bộ cấp tỉnh dùng thư điện tử là bao nhiêu?", "dien-bien", None),
    ],
)
def test_questions_about_a_report_are_answered_from_it(
    engine: Engine, question: str, report: str, figure: str | None
) -> None:
    answer, outcome = engine.ask(question, 5)
    assert answer.outcome is Outcome.ANSWERED and answer.answer is not None, (question, answer.message)
    assert answer.citations[0].source.startswith(report), (question, answer.citations[0].source)
    if figure is not None:
        assert figure in answer.answer
    # the report ranks first among the passages, above every news item that names its province
    assert outcome.hits[0].document.source in REPORTS


def test_a_news_item_naming_a_province_in_passing_ranks_below_its_reports(engine: Engine) -> None:
    for province in PROVINCES[:4]:
        outcome = engine.search(f"{province} ứng dụng công nghệ thông tin trong cơ quan nhà nước", 20)
        sources = [h.document for h in outcome.hits]
        reports = [i for i, d in enumerate(sources) if d.source in REPORTS]
        passing = [i for i, d in enumerate(sources) if d.source not in REPORTS and province not in d.about]
        assert reports and reports[0] == 0, province
        assert not passing or max(reports) < min(passing), (province, [d.source for d in sources])


@pytest.mark.parametrize(
    "question",
    [
        "Hà Nội có bao nhiêu máy chủ trong các cơ quan nhà nước?",  # news about Hà Nội, no report on it
        "ha noi co bao nhieu diem cau truyen hinh",
        "How many servers does the Hà Nội data centre have?",
    ],
)
def test_a_question_no_report_answers_is_refused(engine: Engine, question: str) -> None:
    answer, _ = engine.ask(question, 5)
    assert answer.answer is None and answer.outcome is not Outcome.ANSWERED, (question, answer.answer)
