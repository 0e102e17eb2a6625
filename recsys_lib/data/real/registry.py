"""The public e-commerce logs the course can load: where they come from, their checksum, licence
and citation (the data index ``datasets/README.md`` is written from the same facts).

Checksums are only those a source publishes: GroupLens publishes the MD5 of ``ml-100k.zip``. UCI
publishes none, so the first download records the file's SHA-256 in the cache folder
(``checksums.json``) and every later use verifies the cached file against it (trust on first use;
the README says so). Kaggle, Tianchi and the CIKM Cup need an account: their files are downloaded by
hand (the error message says how) and read from the path given. ``expected_rows`` is the published
size of the full file, so a loaded log can say whether it is the whole data set.

Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RealDataset:
    """One public log. ``url``: direct download (None: an account is needed, see ``manual``);
    ``archive``: the downloaded file's name; ``member``: the file read inside it (or the file
    itself when it is not an archive); ``known_hash``: ``"md5:..."``/``"sha256:..."`` as published,
    None when the source publishes none.

    Taught in module 04 (knn_collaborative_filtering).
    """

    name: str
    title: str
    homepage: str
    licence: str
    citation: str
    member: str
    expected_rows: int
    mapping: str
    url: str | None = None
    archive: str | None = None
    known_hash: str | None = None
    manual: str = ""
    redistributable: bool = False


DATASETS: dict[str, RealDataset] = {d.name: d for d in (
    RealDataset(
        name="movielens100k",
        title="MovieLens 100K (GroupLens)",
        homepage="https://grouplens.org/datasets/movielens/100k/",
        url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        archive="ml-100k.zip",
        member="ml-100k/u.data",
        known_hash="md5:0e33842e24a9c977be4e0107933c0723",   # ml-100k.zip.md5, published next to the zip
        expected_rows=100_000,
        licence="GroupLens research licence: free for research use, no redistribution without "
                "permission, cite Harper and Konstan (2015)",
        citation="F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and "
                 "Context. ACM Transactions on Interactive Intelligent Systems 5(4), Article 19. "
                 "https://doi.org/10.1145/2827872",
        mapping="every rating (1-5) is one `click` interaction (its stars in `rating`); sessions: 30 "
                "minutes of inactivity; `items`: title and first genre (category) from `u.item` "
                "when it is next to `u.data`",
    ),
    RealDataset(
        name="retailrocket",
        title="Retailrocket recommender system dataset",
        homepage="https://www.kaggle.com/datasets/retailrocket/ecommerce-dataset",
        member="events.csv",
        expected_rows=2_756_101,
        licence="CC BY-NC-SA 4.0 (as stated on the Kaggle page)",
        citation="Retailrocket. 2016. Retailrocket recommender system dataset. Kaggle. "
                 "https://www.kaggle.com/datasets/retailrocket/ecommerce-dataset",
        manual="Kaggle needs a (free) account: download it with `kaggle datasets download -d "
               "retailrocket/ecommerce-dataset` (or from the web page), unzip, and pass the path of "
               "`events.csv`",
        mapping="`view` -> click, `addtocart` -> add_to_cart, `transaction` -> purchase; "
                "millisecond UTC timestamps; sessions: 30 minutes of inactivity; the transaction id "
                "is not kept",
    ),
    RealDataset(
        name="taobao",
        title="User Behavior Data from Taobao for Recommendation (Alibaba, Tianchi)",
        homepage="https://tianchi.aliyun.com/dataset/649",
        member="UserBehavior.csv",
        expected_rows=100_150_807,
        licence="Tianchi's terms of use (free account, research use); no open licence is stated, "
                "so the file is never shipped with the course",
        citation="Han Zhu, Xiang Li, Pengye Zhang, Guozheng Li, Jie He, Han Li and Kun Gai. 2018. "
                 "Learning Tree-based Deep Model for Recommender Systems. KDD 2018. "
                 "https://doi.org/10.1145/3219819.3219826",
        manual="Tianchi needs a (free) account: download `UserBehavior.csv.zip` from the page, unzip, "
               "and pass the path of `UserBehavior.csv` (3.5 GB: `nrows=` reads a part)",
        mapping="`pv` -> click, `fav` -> favorite, `cart` -> add_to_cart, `buy` -> purchase; "
                "second UTC timestamps, kept as they are (a few lie outside the documented "
                "2017-11-25 .. 2017-12-03 window, China time); sessions: 30 minutes of inactivity; "
                "`items`: the category id",
    ),
    RealDataset(
        name="online_retail",
        title="Online Retail (UCI Machine Learning Repository)",
        homepage="https://archive.ics.uci.edu/dataset/352/online+retail",
        url="https://archive.ics.uci.edu/static/public/352/online+retail.zip",
        archive="online+retail.zip",
        member="Online Retail.xlsx",
        expected_rows=541_909,
        licence="CC BY 4.0",
        citation="Daqing Chen. 2015. Online Retail [Dataset]. UCI Machine Learning Repository. "
                 "https://doi.org/10.24432/C5BW33; Daqing Chen, Sai Liang Sain and Kun Guo. 2012. "
                 "Data mining for the online retail industry: a case study of RFM model-based customer "
                 "segmentation. Journal of Database Marketing & Customer Strategy Management 19(3)",
        mapping="each invoice line with a positive quantity is a `purchase` of the stock code (a "
                "string id such as 85123A) at `price_paid` = UnitPrice; the invoice is the session; "
                "dropped and counted: lines without CustomerID, cancellations (invoice C...) and "
                "other non-positive quantities, negative prices, and stock codes that are not "
                "products (postage, fees, manual adjustments: codes not starting with 5 digits); "
                "`items`: description (title) and the last unit price",
        redistributable=True,
    ),
    RealDataset(
        name="diginetica",
        title="DIGINETICA item views (CIKM Cup 2016 Track 2)",
        homepage="https://competitions.codalab.org/competitions/11161",
        member="train-item-views.csv",
        expected_rows=1_235_380,
        licence="released by DIGINETICA for the CIKM Cup 2016 for research; no open licence is "
                "stated, so the file is never shipped with the course",
        citation="DIGINETICA and CIKM Cup 2016 Track 2: Personalized E-Commerce Search Challenge. "
                 "https://competitions.codalab.org/competitions/11161",
        manual="download `dataset-train-diginetica.zip` from the CIKM Cup 2016 page (an account on "
               "the challenge site), unzip, and pass the path of `train-item-views.csv`",
        mapping="every item view is a `click`; the challenge's sessions are kept; time = eventdate + "
                "timeframe milliseconds; a session without userId is its own anonymous user (ids after "
                "the largest userId)",
    ),
)}


def dataset(name: str) -> RealDataset:
    """The registry entry of ``name`` (KeyError listing the known names).

    Taught in module 04 (knn_collaborative_filtering).
    """
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}") from None
