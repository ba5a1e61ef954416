"""The simulator's synthetic TMDB catalogue: deterministic, generated lazily per id, drifting with time.

Every movie and person is a pure function of ``(seed, id)``: its attributes are drawn from a random generator
seeded with the string ``"seed/kind/id"`` (string seeds are hashed with SHA-512, so they are stable across
processes, unlike ``hash()``). Nothing is generated up front, so a server with 20,000 movies and 50,000 people
starts at once; the first list request builds the small per-movie cores it sorts by (well under a second).

Time-dependent values are pure functions of the id and the simulated *hour*, so every page read during one hour
is consistent, and a past hour is served identically every time the clock is set back to it: that is what lets
the demo build an honest history. Popularity moves every hour for every movie (the daily ID export carries it).
Everything else that moves (votes, status, revenue, visible reviews, the tagline) moves only on the movie's *edit
days*: each movie is edited once in every ``EDIT_CYCLE_DAYS``-day cycle, on a day drawn per (movie, cycle), and its
details show those values as of 00:00 UTC of its last edit day. ``/movie/changes`` lists exactly the edited
movies, so a movie in the change feed for a day has details that changed that day, and one that is not has the
same details as the day before, popularity apart.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import math
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from master_dataset.simulator import vocabulary as vocab

MOVIE_ID_OFFSET, MOVIE_ID_STRIDE = 11, 3
PERSON_ID_OFFSET, PERSON_ID_STRIDE = 101, 2
LIST_PAGE_SIZE = 20
CHANGES_PAGE_SIZE = 100
MAX_PAGE = 500
TOP_RATED_MIN_VOTES = 200
NOW_PLAYING_PAST_DAYS, NOW_PLAYING_FUTURE_DAYS = 42, 7
# Release dates run up to the end of 2027 so that "upcoming" and "now playing" exist for any clock until then.
CATALOGUE_END = date(2027, 12, 31)
EARLIEST_RELEASE = date(1920, 1, 1)
# Every movie is edited once per cycle, so about 1/50 = 2 % of the catalogue changes on any day.
EDIT_CYCLE_DAYS = 50
# Share of adult titles: in the export and the change feed with adult=true, left out of lists and discover.
ADULT_SHARE = 0.02
# The first 60 % of person indices are actors, the rest crew; low indices are the stars who appear most often.
ACTOR_SHARE = 0.6
_EPOCH = date(1970, 1, 1)
_GENRE_NAMES = {genre_id: name for genre_id, name, _ in vocab.GENRES}
_TAGLINES = tuple(dict.fromkeys(vocab.TAGLINES))
_LANGUAGE_NAMES = {code: (english, native) for code, english, native, _ in vocab.LANGUAGES}
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_MASK64 = (1 << 64) - 1
_ADULT_SALT = 0x41D017
_EDIT_SALT = 0xED17


def hour_of(moment: datetime) -> int:
    """Hours since the epoch: the granularity at which popularity, votes and lists change."""
    return math.floor(moment.timestamp() // 3600)


def _rng(seed: int, kind: str, key: int | str) -> random.Random:
    return random.Random(f"{seed}/{kind}/{key}")


def _mix64(value: int) -> int:
    # splitmix64 finaliser: a cheap, well-spread integer hash for per-id coin flips and edit days.
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


@functools.lru_cache(maxsize=16)
def _adult_key(seed: int) -> int:
    return _mix64((seed & _MASK64) ^ _ADULT_SALT)


@functools.lru_cache(maxsize=256)
def _edit_key(seed: int, cycle: int) -> int:
    """The hash key of one seed's edit cycle: a movie's edit day in it is ``_mix64(key ^ index) % EDIT_CYCLE_DAYS``."""
    return _mix64(_mix64((seed & _MASK64) ^ _EDIT_SALT) ^ (cycle & _MASK64))


def _mix64_array(values: np.ndarray) -> np.ndarray:
    """:func:`_mix64` over a ``uint64`` array (numpy's unsigned arithmetic wraps modulo 2**64 as the mask does)."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class _Weights:
    """``rng.choices(items, weights)[0]`` with the cumulative weights computed once: the same draw, faster."""

    __slots__ = ("_cumulative", "_items", "_last", "_total")

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self._items = tuple(items)
        self._cumulative = list(itertools.accumulate(weights))
        self._total = self._cumulative[-1] + 0.0
        self._last = len(self._items) - 1

    def pick(self, rng: random.Random) -> Any:
        return self._items[bisect.bisect_right(self._cumulative, rng.random() * self._total, 0, self._last)]


_GENRE_COUNT = _Weights((0, 1, 2, 3, 4), (1, 25, 40, 24, 10))
_GENRE = _Weights(vocab.GENRES, [item[-1] for item in vocab.GENRES])
_LANGUAGE = _Weights(vocab.LANGUAGES, [item[-1] for item in vocab.LANGUAGES])
_CREW_JOB = _Weights(vocab.CREW_JOBS, [item[-1] for item in vocab.CREW_JOBS])


def _image_path(rng: random.Random) -> str:
    return "/" + "".join(rng.choices(_BASE62, k=27)) + ".jpg"


def _maybe_image(rng: random.Random, present: float) -> str | None:
    return _image_path(rng) if rng.random() < present else None


def _iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""


@dataclass(frozen=True, slots=True)
class MovieCore:
    """What lists sort and filter by; small, so all of them can be held at once."""

    id: int
    release: date | None
    base_popularity: float
    hype: float
    period_days: float
    phase: float
    weekly_phase: float
    final_votes: int
    base_rating: float
    genre_ids: tuple[int, ...]
    language: str
    adult: bool

    @property
    def release_day(self) -> int | None:
        return (self.release - _EPOCH).days if self.release else None

    def popularity(self, hour: int) -> float:
        """TMDB-style popularity: a long-tailed base, a buzz around the release date and slow waves."""
        t = hour / 24.0
        wave = 1.0 + 0.2 * math.sin(2 * math.pi * t / self.period_days + self.phase)
        wave += 0.08 * math.sin(2 * math.pi * t / 7.0 + self.weekly_phase)
        buzz = 1.0
        if self.release_day is not None:
            days = t - self.release_day
            if days < -90:
                buzz = 0.4
            elif days < 0:
                buzz = 1.0 + self.hype * math.exp(days / 10.0)
            else:
                buzz = 1.0 + self.hype * math.exp(-days / 40.0)
        return round(max(0.6, self.base_popularity * buzz * wave), 3)

    def vote_count(self, hour: int) -> int:
        """Votes only grow: a saturating curve from the release date."""
        if self.release_day is None:
            return int(self.final_votes * 0.05)
        days = hour / 24.0 - self.release_day
        if days < 0:
            return 0
        return int(self.final_votes * (1.0 - math.exp(-days / 200.0)))

    def vote_average(self, hour: int) -> float:
        votes = self.vote_count(hour)
        if votes == 0:
            return 0.0
        t = hour / 24.0
        # Few votes make a noisy average; it settles as votes accumulate, with a slow wobble on top.
        noise = 1.2 * math.exp(-votes / 15.0) * math.sin(self.phase * 3.0)
        value = self.base_rating + noise + 0.15 * math.sin(2 * math.pi * t / 60.0 + self.weekly_phase)
        return round(min(10.0, max(0.5, value)), 3)


@dataclass(frozen=True, slots=True)
class Standing:
    """What lists filter and sort a movie by at one hour: popularity now, votes as of its last edit."""

    popularity: float
    vote_average: float
    vote_count: int


@dataclass(frozen=True, slots=True)
class PersonCore:
    id: int
    index: int
    name: str
    gender: int
    department: str
    base_popularity: float
    phase: float

    def popularity(self, hour: int) -> float:
        t = hour / 24.0
        return round(max(0.6, self.base_popularity * (1.0 + 0.15 * math.sin(2 * math.pi * t / 45.0 + self.phase))), 3)


class Catalogue:
    """The synthetic TMDB database: movies, people, reviews and the lists over them at any simulated hour."""

    def __init__(self, seed: int, movies: int, people: int, review_page_size: int = 5) -> None:
        if movies < 10 or people < 100:
            raise ValueError(f"catalogue too small: {movies} movies, {people} people (at least 10 and 100)")
        self.seed = seed
        self.movie_count = movies
        self.people_count = people
        self.review_page_size = review_page_size
        self._orderings: dict[tuple, list[int]] = {}
        self._orderings_lock = threading.Lock()
        # Bounded per-instance caches: cores are tiny; statics and credits are bigger and only hot ones are kept.
        self.movie_core = functools.lru_cache(maxsize=None)(self._movie_core)
        self.person_core = functools.lru_cache(maxsize=None)(self._person_core)
        self._movie_static = functools.lru_cache(maxsize=8192)(self._build_movie_static)
        self._credits = functools.lru_cache(maxsize=512)(self._build_credits)
        self._reviews = functools.lru_cache(maxsize=2048)(self._build_reviews)
        self._edit_offsets = functools.lru_cache(maxsize=4)(self._build_edit_offsets)
        self._changed_ids = functools.lru_cache(maxsize=16)(self._build_changed_ids)

    # ---- ids -------------------------------------------------------------------------------------------------

    def movie_id(self, index: int) -> int:
        return MOVIE_ID_OFFSET + MOVIE_ID_STRIDE * index

    def movie_ids(self) -> range:
        return range(MOVIE_ID_OFFSET, MOVIE_ID_OFFSET + MOVIE_ID_STRIDE * self.movie_count, MOVIE_ID_STRIDE)

    def has_movie(self, movie_id: int) -> bool:
        offset = movie_id - MOVIE_ID_OFFSET
        return offset >= 0 and offset % MOVIE_ID_STRIDE == 0 and offset // MOVIE_ID_STRIDE < self.movie_count

    def movie_index(self, movie_id: int) -> int | None:
        """The position of ``movie_id`` in the catalogue, or None when it is not one of its movies."""
        return (movie_id - MOVIE_ID_OFFSET) // MOVIE_ID_STRIDE if self.has_movie(movie_id) else None

    def is_adult(self, movie_id: int) -> bool:
        """A pure function of the id (no core needed), so the change feed can say it cheaply."""
        return (_mix64(_adult_key(self.seed) ^ movie_id) >> 11) / float(1 << 53) < ADULT_SHARE

    def person_id(self, index: int) -> int:
        return PERSON_ID_OFFSET + PERSON_ID_STRIDE * index

    def has_person(self, person_id: int) -> bool:
        offset = person_id - PERSON_ID_OFFSET
        return offset >= 0 and offset % PERSON_ID_STRIDE == 0 and offset // PERSON_ID_STRIDE < self.people_count

    # ---- movies ----------------------------------------------------------------------------------------------

    def _movie_core(self, movie_id: int) -> MovieCore:
        rng = _rng(self.seed, "movie", movie_id)
        # Many more recent films than old ones, as on TMDB: release dates decay exponentially into the past.
        release: date | None = CATALOGUE_END - timedelta(days=int(rng.expovariate(1.0 / 3650.0)))
        if release < EARLIEST_RELEASE:
            release = EARLIEST_RELEASE + timedelta(days=rng.randrange(365 * 30))
        if rng.random() < 0.03:
            release = None
        genre_count = _GENRE_COUNT.pick(rng)
        genres: list[int] = []
        while len(genres) < genre_count:
            genre_id = _GENRE.pick(rng)[0]
            if genre_id not in genres:
                genres.append(genre_id)
        return MovieCore(
            id=movie_id,
            release=release,
            base_popularity=0.6 + math.exp(rng.gauss(1.3, 1.3)),
            hype=math.exp(rng.gauss(1.6, 1.0)),
            period_days=rng.uniform(20.0, 120.0),
            phase=rng.uniform(0.0, 2 * math.pi),
            weekly_phase=rng.uniform(0.0, 2 * math.pi),
            final_votes=min(40000, int(math.exp(rng.gauss(4.8, 2.0)))),
            base_rating=min(9.3, max(1.5, rng.gauss(6.3, 1.0))),
            genre_ids=tuple(genres),
            language=_LANGUAGE.pick(rng)[0],
            adult=self.is_adult(movie_id),
        )

    def _build_movie_static(self, movie_id: int) -> dict:
        """The time-independent fields of a movie's details (titles, money, companies, keywords, images)."""
        core = self.movie_core(movie_id)
        rng = _rng(self.seed, "static", movie_id)
        title, original_title = _titles(rng, core.language)
        overview = "" if rng.random() < 0.02 else _overview(rng)
        budget = 0 if rng.random() < 0.55 else int(math.exp(rng.gauss(16.5, 1.3)) // 1000 * 1000)
        revenue = 0
        if rng.random() < (0.25 if budget == 0 else 0.55):
            reference = budget or int(math.exp(rng.gauss(16.0, 1.5)))
            revenue = int(reference * math.exp(rng.gauss(0.5, 1.0)))
        runtime = 0 if rng.random() < 0.05 else int(min(240, max(62, rng.gauss(106, 20))))
        if 16 in core.genre_ids and runtime:
            runtime = min(runtime, 100)
        companies = [rng.choice(vocab.COMPANIES) for _ in range(rng.choices((0, 1, 2, 3, 4), (6, 30, 30, 20, 14))[0])]
        country = vocab.COUNTRIES[core.language]
        spoken = [core.language] + (["en"] if core.language != "en" and rng.random() < 0.3 else [])
        keyword_count = rng.choices(range(16), weights=[4, 4, 6, 8, 9, 9, 8, 8, 7, 6, 5, 4, 3, 3, 2, 2])[0]
        keywords = sorted({rng.choice(vocab.KEYWORDS) for _ in range(keyword_count)})
        slug = "".join(ch for ch in title.lower() if ch.isalnum())
        collection = None
        if rng.random() < 0.08:
            collection = {
                "id": 100000 + movie_id,
                "name": rng.choice(vocab.COLLECTIONS),
                "poster_path": _maybe_image(rng, 0.9),
                "backdrop_path": _maybe_image(rng, 0.8),
            }
        return {
            "title": title,
            "original_title": original_title,
            "overview": overview,
            # Each edit moves on to the next distinct tagline (see details): an edited movie always differs somewhere.
            "tagline_index": _TAGLINES.index(rng.choice(vocab.TAGLINES)),
            "poster_path": _maybe_image(rng, 0.95),
            "backdrop_path": _maybe_image(rng, 0.85),
            "imdb_id": None if rng.random() < 0.1 else f"tt{rng.randrange(100000, 39999999):07d}",
            "homepage": "" if rng.random() < 0.6 else f"https://www.{slug or 'film'}.com",
            "runtime": runtime,
            "budget": budget,
            "revenue": revenue,
            "belongs_to_collection": collection,
            "production_companies": [
                {"id": cid, "logo_path": _maybe_image(rng, 0.7), "name": name, "origin_country": origin}
                for cid, name, origin in dict.fromkeys(companies)
            ],
            "production_countries": [{"iso_3166_1": country[0], "name": country[1]}],
            "spoken_languages": [
                {"english_name": _LANGUAGE_NAMES[code][0], "iso_639_1": code, "name": _LANGUAGE_NAMES[code][1]}
                for code in spoken
            ],
            "keywords": [{"id": kid, "name": name} for kid, name in keywords],
        }

    def list_entry(self, movie_id: int, hour: int) -> dict:
        """A movie as it appears in a list or discover page (TMDB sorts these keys alphabetically)."""
        core = self.movie_core(movie_id)
        static = self._movie_static(movie_id)
        votes_hour = self.edit_day(movie_id, hour // 24) * 24
        return {
            "adult": core.adult,
            "backdrop_path": static["backdrop_path"],
            "genre_ids": list(core.genre_ids),
            "id": movie_id,
            "original_language": core.language,
            "original_title": static["original_title"],
            "overview": static["overview"],
            "popularity": core.popularity(hour),
            "poster_path": static["poster_path"],
            "release_date": _iso_date(core.release),
            "title": static["title"],
            "video": False,
            "vote_average": core.vote_average(votes_hour),
            "vote_count": core.vote_count(votes_hour),
        }

    def details(self, movie_id: int, hour: int, append: Iterable[str] = ()) -> dict | None:
        """``/movie/{id}``, with ``credits``, ``reviews`` and ``keywords`` appended on request."""
        if not self.has_movie(movie_id):
            return None
        core = self.movie_core(movie_id)
        static = self._movie_static(movie_id)
        # Everything but popularity is as of the movie's last edit (00:00 UTC of that day).
        edited, revision = self._last_edit(movie_id, hour // 24)
        released = core.release_day is not None and core.release_day <= edited
        if core.release_day is None:
            status = "Rumored"
        elif released:
            status = "Released"
        elif core.release_day - edited <= 90:
            status = "Post Production"
        else:
            status = "In Production"
        body: dict = {
            "adult": core.adult,
            "backdrop_path": static["backdrop_path"],
            "belongs_to_collection": static["belongs_to_collection"],
            "budget": static["budget"],
            "genres": [{"id": gid, "name": _GENRE_NAMES[gid]} for gid in core.genre_ids],
            "homepage": static["homepage"],
            "id": movie_id,
            "imdb_id": static["imdb_id"],
            "origin_country": [static["production_countries"][0]["iso_3166_1"]],
            "original_language": core.language,
            "original_title": static["original_title"],
            "overview": static["overview"],
            "popularity": core.popularity(hour),
            "poster_path": static["poster_path"],
            "production_companies": static["production_companies"],
            "production_countries": static["production_countries"],
            "release_date": _iso_date(core.release),
            # Box office is only known once a film is out.
            "revenue": static["revenue"] if released else 0,
            "runtime": static["runtime"],
            "spoken_languages": static["spoken_languages"],
            "status": status,
            "tagline": _TAGLINES[(static["tagline_index"] + revision) % len(_TAGLINES)],
            "title": static["title"],
            "video": False,
            "vote_average": core.vote_average(edited * 24),
            "vote_count": core.vote_count(edited * 24),
        }
        for name in append:
            if name == "credits":
                body["credits"] = self._credits(movie_id)
            elif name == "reviews":
                page = self.reviews(movie_id, hour, 1)
                if page is not None:
                    page.pop("id", None)
                    body["reviews"] = page
            elif name == "keywords":
                body["keywords"] = {"keywords": static["keywords"]}
        return body

    # ---- credits and people ----------------------------------------------------------------------------------

    def _person_core(self, person_id: int) -> PersonCore:
        index = (person_id - PERSON_ID_OFFSET) // PERSON_ID_STRIDE
        rng = _rng(self.seed, "person", person_id)
        gender = rng.choices((0, 1, 2, 3), weights=(10, 44, 45, 1))[0]
        first_names = {1: vocab.FEMALE_FIRST, 2: vocab.MALE_FIRST}.get(gender, vocab.NEUTRAL_FIRST)
        name = f"{rng.choice(first_names)} {rng.choice(vocab.LAST_NAMES)}"
        actors = int(self.people_count * ACTOR_SHARE)
        department = "Acting" if index < actors else rng.choice(vocab.PERSON_DEPARTMENTS)
        # Stars (low indices) are far more popular than the long tail.
        star = math.exp(-index / max(1.0, 0.02 * self.people_count))
        return PersonCore(
            id=person_id,
            index=index,
            name=name,
            gender=gender,
            department=department,
            base_popularity=0.6 + 60.0 * star + math.exp(rng.gauss(0.0, 1.0)),
            phase=rng.uniform(0.0, 2 * math.pi),
        )

    def _credit_person(self, rng: random.Random, pool_start: int, pool_size: int, skew: float) -> PersonCore:
        index = pool_start + min(pool_size - 1, int(pool_size * rng.random() ** skew))
        return self.person_core(self.person_id(index))

    def _build_credits(self, movie_id: int) -> dict:
        rng = _rng(self.seed, "credits", movie_id)
        actors = max(1, int(self.people_count * ACTOR_SHARE))
        crew_pool = max(1, self.people_count - actors)
        cast_size = 5 + int(75 * rng.random() ** 2)
        cast: list[dict] = []
        seen: set[int] = set()
        for _attempt in range(cast_size * 3):
            if len(cast) == cast_size:
                break
            person = self._credit_person(rng, 0, actors, 2.3)
            if person.id in seen:
                continue
            seen.add(person.id)
            order = len(cast)
            cast.append(
                {
                    "adult": False,
                    "gender": person.gender,
                    "id": person.id,
                    "known_for_department": person.department,
                    "name": person.name,
                    "original_name": person.name,
                    "popularity": round(person.base_popularity, 3),
                    "profile_path": _maybe_image(rng, 0.8),
                    "cast_id": order + rng.randrange(1, 4),
                    "character": _character(rng, person),
                    "credit_id": f"{rng.getrandbits(96):024x}",
                    "order": order,
                }
            )
        crew_size = 0 if rng.random() < 0.02 else 1 + int(199 * rng.random() ** 2.5)
        crew: list[dict] = []
        for position in range(crew_size):
            job, department = ("Director", "Directing") if position == 0 else _CREW_JOB.pick(rng)[:2]
            person = self._credit_person(rng, actors, crew_pool, 1.8)
            crew.append(
                {
                    "adult": False,
                    "gender": person.gender,
                    "id": person.id,
                    "known_for_department": person.department,
                    "name": person.name,
                    "original_name": person.name,
                    "popularity": round(person.base_popularity, 3),
                    "profile_path": _maybe_image(rng, 0.4),
                    "credit_id": f"{rng.getrandbits(96):024x}",
                    "department": department,
                    "job": job,
                }
            )
        return {"cast": cast, "crew": crew}

    def person(self, person_id: int, hour: int) -> dict | None:
        """``/person/{id}``."""
        if not self.has_person(person_id):
            return None
        core = self.person_core(person_id)
        rng = _rng(self.seed, "person-details", person_id)
        birthday = None
        if rng.random() < 0.8:
            birthday = date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 80))
        deathday = None
        if birthday and birthday.year < 1960 and rng.random() < 0.25:
            deathday = birthday + timedelta(days=365 * rng.randrange(45, 90))
            if deathday > CATALOGUE_END:
                deathday = None
        place = rng.choice(vocab.BIRTH_PLACES) if rng.random() < 0.75 else None
        sentences = rng.sample(vocab.BIOGRAPHY_SENTENCES, rng.choices((0, 1, 2, 3), weights=(3, 3, 3, 2))[0])
        biography = " ".join(s.format(name=core.name, place=place or "a small town") for s in sentences)
        also_known_as = [rng.choice(vocab.ALSO_KNOWN_AS_SCRIPTS) for _ in range(rng.choices((0, 1, 2), (6, 3, 1))[0])]
        return {
            "adult": False,
            "also_known_as": also_known_as,
            "biography": biography,
            "birthday": birthday.isoformat() if birthday else None,
            "deathday": deathday.isoformat() if deathday else None,
            "gender": core.gender,
            "homepage": None if rng.random() < 0.9 else f"https://{core.name.split()[-1].lower()}.example.org",
            "id": person_id,
            "imdb_id": f"nm{rng.randrange(1, 9999999):07d}",
            "known_for_department": core.department,
            "name": core.name,
            "place_of_birth": place,
            "popularity": core.popularity(hour),
            "profile_path": _maybe_image(rng, 0.7),
        }

    # ---- reviews ---------------------------------------------------------------------------------------------

    def _build_reviews(self, movie_id: int) -> tuple[tuple[datetime, dict], ...]:
        """Every review the movie will ever get, oldest first, each with the moment it becomes visible."""
        core = self.movie_core(movie_id)
        rng = _rng(self.seed, "reviews", movie_id)
        mean = 1.5 + 5.0 * min(1.0, core.base_popularity / 20.0)
        count = min(20, int(rng.expovariate(1.0 / mean)))
        # TMDB's reviews start in 2009; older films get reviews from then on.
        start = max(core.release or date(2009, 6, 1), date(2009, 6, 1))
        reviews: list[tuple[datetime, dict]] = []
        for _ in range(count):
            created = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(
                days=rng.expovariate(1.0 / 200.0), seconds=rng.randrange(86400)
            )
            created = created.replace(microsecond=rng.randrange(1000) * 1000)
            updated = created + timedelta(minutes=rng.choice((0, 0, 0, 3, 45, 600)))
            rating = None if rng.random() < 0.3 else float(min(10, max(1, round(rng.gauss(core.base_rating, 2.0)))))
            review_id = f"{rng.getrandbits(96):024x}"
            author = rng.choice(vocab.REVIEW_AUTHORS)
            reviews.append(
                (
                    created,
                    {
                        "author": author,
                        "author_details": {
                            "name": "" if rng.random() < 0.6 else author,
                            "username": author.lower().replace(" ", "_"),
                            "avatar_path": _maybe_image(rng, 0.5),
                            "rating": rating,
                        },
                        "content": _review_content(rng, rating),
                        "created_at": _iso_millis(created),
                        "id": review_id,
                        "updated_at": _iso_millis(updated),
                        "url": f"https://www.themoviedb.org/review/{review_id}",
                    },
                )
            )
        return tuple(sorted(reviews, key=lambda item: item[0]))

    def reviews(self, movie_id: int, hour: int, page: int) -> dict | None:
        """``/movie/{id}/reviews``: the reviews written before the movie's last edit, ``review_page_size`` a page."""
        if not self.has_movie(movie_id):
            return None
        cutoff = datetime.fromtimestamp(self.edit_day(movie_id, hour // 24) * 86400, tz=UTC)
        visible = [review for created, review in self._reviews(movie_id) if created <= cutoff]
        size = self.review_page_size
        return {
            "id": movie_id,
            "page": page,
            "results": visible[(page - 1) * size : page * size],
            "total_pages": math.ceil(len(visible) / size),
            "total_results": len(visible),
        }

    # ---- lists -----------------------------------------------------------------------------------------------

    def _ordering(self, key: tuple, build: Callable[[], list[int]]) -> list[int]:
        with self._orderings_lock:
            cached = self._orderings.get(key)
            if cached is None:
                cached = build()
                if len(self._orderings) >= 32:
                    self._orderings.pop(next(iter(self._orderings)))
                self._orderings[key] = cached
            return cached

    def warm_up(self) -> None:
        """Builds every movie core now, so that the first list request does not pay for it."""
        for movie_id in self.movie_ids():
            self.movie_core(movie_id)

    def _cores(self, include_adult: bool = False) -> list[MovieCore]:
        """The cores lists choose from: TMDB's lists leave adult titles out (discover unless ``include_adult``)."""
        cores = (self.movie_core(movie_id) for movie_id in self.movie_ids())
        return [core for core in cores if include_adult or not core.adult]

    def standing(self, core: MovieCore, hour: int) -> Standing:
        votes_hour = self.edit_day(core.id, hour // 24) * 24
        return Standing(core.popularity(hour), core.vote_average(votes_hour), core.vote_count(votes_hour))

    def popular_ids(self, hour: int) -> list[int]:
        def build() -> list[int]:
            return [core.id for core in sorted(self._cores(), key=lambda c: (-c.popularity(hour), c.id))]

        return self._ordering(("popular", hour), build)

    def top_rated_ids(self, hour: int) -> list[int]:
        def build() -> list[int]:
            standings = ((core, self.standing(core, hour)) for core in self._cores())
            rated = [(core, standing) for core, standing in standings if standing.vote_count >= TOP_RATED_MIN_VOTES]
            rated.sort(key=lambda item: (-item[1].vote_average, -item[1].vote_count, item[0].id))
            return [core.id for core, _ in rated]

        return self._ordering(("top_rated", hour), build)

    def now_playing_window(self, hour: int) -> tuple[date, date]:
        today = _EPOCH + timedelta(days=hour // 24)
        return today - timedelta(days=NOW_PLAYING_PAST_DAYS), today + timedelta(days=NOW_PLAYING_FUTURE_DAYS)

    def now_playing_ids(self, hour: int) -> list[int]:
        low, high = self.now_playing_window(hour)

        def build() -> list[int]:
            showing = [core for core in self._cores() if core.release and low <= core.release <= high]
            return [core.id for core in sorted(showing, key=lambda c: (-c.popularity(hour), c.id))]

        return self._ordering(("now_playing", hour), build)

    def discover_ids(self, hour: int, query: DiscoverQuery) -> list[int]:
        def build() -> list[int]:
            standings = ((core, self.standing(core, hour)) for core in self._cores(query.include_adult))
            matches = [(core, standing) for core, standing in standings if query.matches(core, standing)]
            return [core.id for core, _ in query.sort(matches)]

        return self._ordering(("discover", hour, query), build)

    def list_page(self, ids: Sequence[int], hour: int, page: int) -> dict:
        chunk = ids[(page - 1) * LIST_PAGE_SIZE : page * LIST_PAGE_SIZE]
        return {
            "page": page,
            "results": [self.list_entry(movie_id, hour) for movie_id in chunk],
            "total_pages": max(1, math.ceil(len(ids) / LIST_PAGE_SIZE)),
            "total_results": len(ids),
        }

    # ---- edits and the change feed ---------------------------------------------------------------------------

    def _edit_offset(self, index: int, cycle: int) -> int:
        """The day within ``cycle`` on which the movie of this index is edited."""
        return _mix64(_edit_key(self.seed, cycle) ^ index) % EDIT_CYCLE_DAYS

    def _build_edit_offsets(self, cycle: int) -> np.ndarray:
        """:meth:`_edit_offset` of every movie of the catalogue at once: one byte a movie, index order."""
        indices = np.arange(self.movie_count, dtype=np.uint64)
        offsets = _mix64_array(indices ^ np.uint64(_edit_key(self.seed, cycle))) % np.uint64(EDIT_CYCLE_DAYS)
        return offsets.astype(np.uint8)

    def _last_edit(self, movie_id: int, day: int) -> tuple[int, int]:
        """The movie's last edit day up to ``day`` (both days since the epoch) and its cycle, the revision."""
        index = (movie_id - MOVIE_ID_OFFSET) // MOVIE_ID_STRIDE
        cycle = day // EDIT_CYCLE_DAYS
        edited = cycle * EDIT_CYCLE_DAYS + self._edit_offset(index, cycle)
        if edited > day:
            cycle -= 1
            edited = cycle * EDIT_CYCLE_DAYS + self._edit_offset(index, cycle)
        return edited, cycle

    def edit_day(self, movie_id: int, day: int) -> int:
        """The movie's last edit day up to ``day`` (days since the epoch): its details are as of that day."""
        return self._last_edit(movie_id, day)[0]

    def edited_on(self, day: date) -> np.ndarray:
        """The ids of the movies edited on ``day``, ascending (about 2 % of the catalogue)."""
        cycle, offset = divmod((day - _EPOCH).days, EDIT_CYCLE_DAYS)
        indices = np.flatnonzero(self._edit_offsets(cycle) == offset).astype(np.int64)
        return MOVIE_ID_OFFSET + MOVIE_ID_STRIDE * indices

    def _build_changed_ids(self, start: date, end: date) -> np.ndarray:
        days = [self.edited_on(start + timedelta(days=n)) for n in range((end - start).days + 1)]
        return np.unique(np.concatenate(days)) if days else np.empty(0, dtype=np.int64)

    def changes(self, start: date, end: date, page: int, hour: int) -> dict:
        """``/movie/changes``: the movies edited from ``start`` to ``end`` (days included, none after the clock's
        day), ids ascending, ``CHANGES_PAGE_SIZE`` a page, each with its ``adult`` flag."""
        end = min(end, _EPOCH + timedelta(days=hour // 24))
        ids = self._changed_ids(start, end)
        chunk = ids[(page - 1) * CHANGES_PAGE_SIZE : page * CHANGES_PAGE_SIZE].tolist()
        return {
            "results": [{"id": movie_id, "adult": self.is_adult(movie_id)} for movie_id in chunk],
            "page": page,
            "total_pages": max(1, math.ceil(len(ids) / CHANGES_PAGE_SIZE)),
            "total_results": len(ids),
        }

    # ---- the daily ID export ---------------------------------------------------------------------------------

    def export_line(self, movie_id: int, hour: int) -> str:
        """The movie's line of the daily ID export made at ``hour``, keys in TMDB's order.

        Built from an uncached core and only the title draws of the static generator: an export walks the whole
        catalogue, and caching it would hold every movie at once.
        """
        core = self._movie_core(movie_id)
        title = _titles(_rng(self.seed, "static", movie_id), core.language)[1]
        return (
            f'{{"adult":{"true" if core.adult else "false"},"id":{movie_id},'
            f'"original_title":{json.dumps(title, ensure_ascii=False)},'
            f'"popularity":{core.popularity(hour)!r},"video":false}}\n'
        )

    def export_chunks(self, hour: int, chunk_movies: int = 2000, stop: int | None = None) -> Iterator[str]:
        """The daily ID export made at ``hour``, newline-delimited JSON, ``chunk_movies`` lines a chunk in id order,
        stopping after ``stop`` movies if given; only one chunk exists at a time."""
        count = self.movie_count if stop is None else min(stop, self.movie_count)
        for first in range(0, count, chunk_movies):
            ids = range(self.movie_id(first), self.movie_id(min(first + chunk_movies, count)), MOVIE_ID_STRIDE)
            yield "".join([self.export_line(movie_id, hour) for movie_id in ids])


_SORTS: dict[str, Callable[[MovieCore, Standing], float]] = {
    "popularity": lambda core, standing: standing.popularity,
    "vote_average": lambda core, standing: standing.vote_average,
    "vote_count": lambda core, standing: standing.vote_count,
    "primary_release_date": lambda core, standing: core.release_day if core.release_day is not None else -(10**9),
    "release_date": lambda core, standing: core.release_day if core.release_day is not None else -(10**9),
}


@dataclass(frozen=True)
class DiscoverQuery:
    """The ``/discover/movie`` filters the simulator understands; hashable so orderings can be cached."""

    release_gte: date | None = None
    release_lte: date | None = None
    genres_all: tuple[int, ...] = ()
    genres_any: tuple[int, ...] = ()
    vote_count_gte: int | None = None
    language: str | None = None
    sort_field: str = "popularity"
    descending: bool = True
    include_adult: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> DiscoverQuery:
        """Raises ValueError with TMDB's wording for a value it would reject."""

        def day(*names: str) -> date | None:
            for name in names:
                if params.get(name):
                    return date.fromisoformat(params[name][:10])
            return None

        genres = params.get("with_genres", "")
        sort_by = params.get("sort_by", "popularity.desc")
        field, _, direction = sort_by.partition(".")
        if field not in _SORTS or direction not in ("asc", "desc"):
            raise ValueError(f"sort_by must be one of {sorted(_SORTS)} with .asc or .desc")
        vote_count = params.get("vote_count.gte")
        return cls(
            release_gte=day("primary_release_date.gte", "release_date.gte"),
            release_lte=day("primary_release_date.lte", "release_date.lte"),
            genres_all=tuple(int(g) for g in genres.split(",") if g and "|" not in genres),
            genres_any=tuple(int(g) for g in genres.split("|") if g and "|" in genres),
            vote_count_gte=int(float(vote_count)) if vote_count else None,
            language=params.get("with_original_language") or None,
            sort_field=field,
            descending=direction == "desc",
            include_adult=params.get("include_adult", "false").lower() == "true",
        )

    def matches(self, core: MovieCore, standing: Standing) -> bool:
        if (self.release_gte or self.release_lte) and core.release is None:
            return False
        if self.release_gte and core.release < self.release_gte:
            return False
        if self.release_lte and core.release > self.release_lte:
            return False
        if self.genres_all and not set(self.genres_all) <= set(core.genre_ids):
            return False
        if self.genres_any and not set(self.genres_any) & set(core.genre_ids):
            return False
        if self.vote_count_gte is not None and standing.vote_count < self.vote_count_gte:
            return False
        return not (self.language and core.language != self.language)

    def sort(self, standings: list[tuple[MovieCore, Standing]]) -> list[tuple[MovieCore, Standing]]:
        key = _SORTS[self.sort_field]
        sign = -1 if self.descending else 1
        return sorted(standings, key=lambda item: (sign * key(*item), item[0].id))


def genre_list() -> dict:
    return {"genres": [{"id": gid, "name": name} for gid, name, _ in vocab.GENRES]}


def configuration() -> dict:
    return {
        "change_keys": [
            "adult",
            "budget",
            "credits",
            "genres",
            "images",
            "keywords",
            "overview",
            "popularity",
            "release_dates",
            "revenue",
            "reviews",
            "runtime",
            "status",
            "title",
            "videos",
        ],
        "images": {
            "base_url": "http://image.tmdb.org/t/p/",
            "secure_base_url": "https://image.tmdb.org/t/p/",
            "backdrop_sizes": ["w300", "w780", "w1280", "original"],
            "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
            "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
            "profile_sizes": ["w45", "w185", "h632", "original"],
            "still_sizes": ["w92", "w185", "w300", "original"],
        },
    }


# ---- text ----------------------------------------------------------------------------------------------------


def _titles(rng: random.Random, language: str) -> tuple[str, str]:
    """The title and the original title: the first draws of a movie's static generator."""
    title = _english_title(rng)
    original_title = title
    if language != "en":
        original_title = rng.choice(vocab.ORIGINAL_TITLES[language])
        if rng.random() < 0.1:
            original_title += " " + rng.choice(("2", "II"))
    return title, original_title


def _english_title(rng: random.Random) -> str:
    adjective, noun = rng.choice(vocab.TITLE_ADJECTIVES), rng.choice(vocab.TITLE_NOUNS)
    pattern = rng.randrange(7)
    if pattern == 0:
        title = f"The {adjective} {noun}"
    elif pattern == 1:
        title = f"{noun} of the {rng.choice(vocab.TITLE_NOUNS)}"
    elif pattern == 2:
        title = f"{adjective} {noun}"
    elif pattern == 3:
        title = f"The {noun}"
    elif pattern == 4:
        title = f"{rng.choice(vocab.MALE_FIRST + vocab.FEMALE_FIRST)}'s {noun}"
    elif pattern == 5:
        title = f"{noun}: {adjective} {rng.choice(vocab.TITLE_NOUNS)}"
    else:
        title = noun
    if rng.random() < 0.08:
        sequel = rng.choice(vocab.TITLE_SEQUELS)
        title = title + sequel if sequel.startswith(":") else f"{title} {sequel}"
    return title


def _overview(rng: random.Random) -> str:
    first = (
        f"When {rng.choice(vocab.OVERVIEW_EVENTS)}, {rng.choice(vocab.OVERVIEW_SUBJECTS)} must "
        f"{rng.choice(vocab.OVERVIEW_GOALS)} {rng.choice(vocab.OVERVIEW_ENDINGS)}."
    )
    if rng.random() < 0.5:
        return first
    return f"{first} But {rng.choice(vocab.OVERVIEW_SUBJECTS)} has other plans."


def _character(rng: random.Random, person: PersonCore) -> str:
    first = person.name.split()[0]
    roll = rng.random()
    if roll < 0.1:
        return rng.choice(vocab.CHARACTER_EXTRAS).format(first=first)
    if roll < 0.3:
        return f"{rng.choice(vocab.CHARACTER_TITLES)} {rng.choice(vocab.LAST_NAMES)}"
    if roll < 0.33:
        return ""
    return f"{rng.choice(vocab.FEMALE_FIRST + vocab.MALE_FIRST)} {rng.choice(vocab.LAST_NAMES)}"


def _review_content(rng: random.Random, rating: float | None) -> str:
    """Several sentences of mostly one sentiment with some of the other, markdown, emoji and other languages."""
    if rating is None:
        leaning = rng.choice(("positive", "negative", "mixed"))
    else:
        leaning = "positive" if rating >= 7 else "negative" if rating <= 4 else "mixed"
    if rng.random() < 0.12:
        language = rng.choice(sorted(vocab.REVIEW_FOREIGN))
        positive, negative = vocab.REVIEW_FOREIGN[language]
        pool = positive if leaning == "positive" else negative if leaning == "negative" else positive + negative
        return " ".join(rng.choice(pool) for _ in range(rng.randrange(1, 4)))
    main = {"positive": vocab.REVIEW_POSITIVE, "negative": vocab.REVIEW_NEGATIVE}.get(
        leaning, vocab.REVIEW_POSITIVE + vocab.REVIEW_NEGATIVE
    )
    other = vocab.REVIEW_NEGATIVE if leaning == "positive" else vocab.REVIEW_POSITIVE
    sentences = []
    for _ in range(rng.randrange(2, 9)):
        roll = rng.random()
        pool = main if roll < 0.65 else vocab.REVIEW_NEUTRAL if roll < 0.85 else other
        sentences.append(rng.choice(pool))
    if rng.random() < 0.25:
        index = rng.randrange(len(sentences))
        sentences[index] = f"**{sentences[index]}**"
    if rng.random() < 0.1:
        sentences.insert(0, f"> {rng.choice(main)}\r\n")
    if rng.random() < 0.1:
        sentences.append("\r\n## Verdict\r\n- " + rng.choice(main))
    paragraphs, current = [], []
    for sentence in sentences:
        current.append(sentence)
        if rng.random() < 0.3:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    text = "\r\n\r\n".join(paragraphs)
    if rng.random() < 0.2:
        emoji = vocab.EMOJI_NEGATIVE if leaning == "negative" else vocab.EMOJI_POSITIVE
        text += " " + rng.choice(emoji)
    return text


def _iso_millis(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
