"""The document catalogue's arrays: which documents a province filter lets in, which of them are about the
province, and which are news — looked up for candidate documents only."""

import numpy as np

from indexer.kinds import DocumentKind
from indexer.store import DocumentInfo
from service.retrieval import DocumentCatalog, SearchFilters


def info(source: str, provinces: tuple[str, ...], subjects: tuple[str, ...] | None, kind: DocumentKind | None):
    return DocumentInfo(source, source, None, provinces, "default", subjects, kind)


def test_about_and_news_of_candidate_documents() -> None:
    catalog = DocumentCatalog(
        {
            4: info("report.txt", ("Kon Tum",), ("Kon Tum",), DocumentKind.REPORT),
            0: info("match.txt", ("Hà Nội", "Kon Tum"), ("Hà Nội",), DocumentKind.NEWS),
            2: info("old.txt", ("Kon Tum", "Gia Lai"), None, None),  # a store from before subjects and kinds
            7: info("plan.txt", ("Gia Lai",), ("Gia Lai",), DocumentKind.PLAN),
        }
    )
    mask = catalog.mask(SearchFilters(province=("Kon Tum",)))
    assert mask is not None and np.flatnonzero(mask).tolist() == [0, 2, 4]  # the filter: every document naming it
    docs = np.array([4, 0, 2, 7, 4], dtype=np.int64)
    assert catalog.about(docs, ("Kon Tum",)).tolist() == [True, False, True, False, True]
    assert catalog.about(docs, ("Kon Tum", "Gia Lai")).tolist() == [True, False, True, True, True]
    assert catalog.about(docs, ("Hà Nội",)).tolist() == [False, True, False, False, False]
    assert not catalog.about(docs, ("Điện Biên",)).any()
    assert catalog.news(docs).tolist() == [False, True, False, False, False]  # an unknown kind is not news
