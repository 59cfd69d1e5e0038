"""The learned model (bot/classifier.py) and how the router blends it in (bot/routing.py)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from bot.classifier import Blend, NaiveBayes, features
from bot.config import PROJECT_ROOT
from bot.content import Content, ContentError, load_content
from bot.intents import FALLBACK, INTENTS, SAFETY
from bot.services import Locale, read_examples

EXAMPLES = [
    (["calf", "cold", "water"], "cause_cold"),
    (["cold", "lake", "cramp"], "cause_cold"),
    (["cold", "feet", "winter"], "cause_cold"),
    (["pickle", "juice", "work"], "supplements"),
    (["magnesium", "pickle", "juice"], "supplements"),
    (["magnesium", "help", "cramp"], "supplements"),
    (["homework", "help"], FALLBACK),
    (["capital", "france", "homework"], FALLBACK),
]


def test_features_are_words_and_neighbour_pairs() -> None:
    assert features(["calf", "swollen", "hot"]) == {
        "calf", "swollen", "hot", "calf_swollen", "swollen_hot",
    }  # fmt: skip
    assert features([]) == set()


def test_posterior_follows_the_words_seen_with_an_intent() -> None:
    model = NaiveBayes.train(EXAMPLES)
    posterior = model.posterior(["pickle", "juice"])
    assert math.isclose(sum(posterior.values()), 1.0)
    assert max(posterior, key=posterior.__getitem__) == "supplements"
    cold = model.posterior(["cold", "water"])
    assert max(cold, key=cold.__getitem__) == "cause_cold"
    assert cold["cause_cold"] > 0.8


def test_words_never_seen_give_the_priors() -> None:
    model = NaiveBayes.train(EXAMPLES)
    unseen = model.posterior(["zzz", "qqq"])
    # Three examples each for the two topics, two for the fallback.
    assert math.isclose(unseen["cause_cold"], 3 / 8)
    assert math.isclose(unseen[FALLBACK], 2 / 8)


def test_a_word_seen_once_is_left_out() -> None:
    model = NaiveBayes.train(EXAMPLES)
    assert "france" not in model.lift  # one example only
    assert "homework" in model.lift
    assert "france" in NaiveBayes.train(EXAMPLES, min_count=1).lift


def test_no_examples_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one example"):
        NaiveBayes.train([])


@pytest.fixture(scope="module")
def english() -> Content:
    return load_content(PROJECT_ROOT / "content", "en")


def _locale(content: Content, blend: Blend, examples: list[tuple[str, str]]) -> Locale:
    return Locale.build(dataclasses.replace(content, blend=blend), examples=examples)


def test_router_without_a_share_decides_by_keywords_alone(english: Content) -> None:
    locale = _locale(english, Blend(0.0, 0.75), [("does pickle juice work", "supplements")] * 3)
    assert locale.router.model is None
    # Keywords alone score this just under the accept score of 60.
    route = locale.router.route("does pickle juice actually work")
    assert route.intent == FALLBACK
    assert route.alternatives[0][0] == "supplements"


def test_examples_lift_a_weak_keyword_match_over_the_accept_score(english: Content) -> None:
    examples = [("does pickle juice work", "supplements"), ("is pickle juice good", "supplements"),
                ("pickle juice for cramps", "supplements"), ("thanks a lot", "smalltalk"),
                ("what is the weather", FALLBACK), ("weather tomorrow", FALLBACK)]  # fmt: skip
    locale = _locale(english, Blend(0.3, 0.75), examples)
    assert locale.router.model is not None
    route = locale.router.route("does pickle juice actually work")
    assert route.intent == "supplements"
    assert 0 <= route.score <= 100


def test_examples_can_keep_a_message_out_of_the_medical_topics(english: Content) -> None:
    # Keywords alone read "salt" as the sweating page; examples say gardening is off-topic.
    text = "is salt bad for my plants"
    assert _locale(english, Blend(), []).router.route(text).intent == "cause_sweating"
    examples = [(f"{w} for my plants", FALLBACK) for w in ("is coffee good", "salt water", "soap")]
    examples += [
        ("i sweat a lot and cramp", "cause_sweating"),
        ("salt and sweat", "cause_sweating"),
    ]
    route = _locale(english, Blend(0.3, 0.75), examples).router.route(text)
    assert route.intent == FALLBACK
    assert all(intent != FALLBACK for intent, _ in route.alternatives)


def test_warning_signs_win_whatever_the_examples_say(english: Content) -> None:
    examples = [("my calf is swollen and red", "relief")] * 5
    locale = _locale(english, Blend(1.0, 0.6), examples)
    route = locale.router.route("my calf is swollen and red")
    assert route.intent == SAFETY
    assert route.tier == "today"


def test_every_language_has_examples_of_known_intents() -> None:
    for lang in ("en", "zh", "ru", "es"):
        examples = read_examples(PROJECT_ROOT / "content" / lang)
        assert len(examples) > 300, lang
        assert {intent for _, intent in examples} <= set(INTENTS), lang
        assert SAFETY in {intent for _, intent in examples}


def test_a_broken_examples_line_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "examples.tsv").write_text("# header\nhi\thelp\t-\nno tabs here\n")
    with pytest.raises(ContentError, match="line 3"):
        read_examples(tmp_path)
    assert read_examples(tmp_path / "missing") == []


def test_model_settings_are_checked(tmp_path: Path) -> None:
    from bot.content import _load_blend

    assert _load_blend(tmp_path, {"share": 0.2, "accept": 0.7}) == Blend(0.2, 0.7)
    assert _load_blend(tmp_path, {}) == Blend()
    with pytest.raises(ContentError, match=r"model\.share"):
        _load_blend(tmp_path, {"share": 2})
    with pytest.raises(ContentError, match="only share and accept"):
        _load_blend(tmp_path, {"weight": 0.2})


def test_the_model_never_learns_a_message_the_detector_catches(english: Content) -> None:
    examples = [("my calf is swollen and red", SAFETY), ("pickle juice for cramps", "supplements"),
                ("does pickle juice work", "supplements")]  # fmt: skip
    model = _locale(english, Blend(0.3, 0.75), examples).router.model
    assert model is not None
    assert model.intents == ("supplements",)  # the warning sign's example never reaches it


def test_the_model_adds_no_suggestion_of_its_own(english: Content) -> None:
    examples = [("what is the capital of spain", FALLBACK), ("capital of italy", FALLBACK),
                ("stretch my calf", "relief"), ("calf stretch", "relief")]  # fmt: skip
    router = _locale(english, Blend(0.3, 0.75), examples).router
    route = router.route("what's the capital of france")
    assert route.intent == FALLBACK
    assert route.alternatives == ()  # no "Did you mean" for a message about something else
    assert all(i != FALLBACK for i, _ in router.route("calf stretch").alternatives)


def test_a_cramp_now_in_a_named_place_counts_the_model_say_for_its_flow(english: Content) -> None:
    # The examples split the same messages between cramp_now and flow_bed: the model gives each
    # half. Keywords alone say "a cramp now" (72) and the sofa is a bed / land place.
    examples = [(text, intent) for text in ("calf locked up on the sofa",
                                            "my calf locked up on the sofa")
                for intent in ("cramp_now", "flow_bed")]  # fmt: skip
    examples += [("what is the weather", FALLBACK), ("weather tomorrow", FALLBACK)]
    router = _locale(english, Blend(0.4, 0.95), examples).router
    text = "my calf just locked up on the sofa"
    words = router._query_words(text)
    assert router._scores(words)[0][0] == "cramp_now"
    assert router.model is not None
    assert router.model.posterior(words)["cramp_now"] < 0.6  # half of it: not enough alone
    assert router.route(text).intent == "flow_bed"
