"""The detector, rule family by rule family: what a careful peer would notice, and what they would not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.crisis.detector import Category, Level, assess
from cogs.crisis.normalize import normalize


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("I'm gonna KMS tn", "im going to kill myself tonight"),
        ("thinking about sewerslide", "thinking about suicide"),
        ("i od'd last night", "i overdosed last night"),
        ("that was odd", "that was odd"),
        ("i wanna unalive myselfff", "i want to kill myself"),
        ("evry1 wud b better off w/o me", "everyone would be better off without me"),
        ("im so sucidal", "im so suicidal"),
    ],
)
def test_normalisation_expands_slang_and_misspellings(typed, canonical):
    assert normalize(typed) == canonical


def _crisis(text: str, category: Category, level: Level = Level.CONCERN):
    result = assess(text)
    assert result.level >= level, (text, result)
    assert result.category is category, (text, result)
    return result


@pytest.mark.parametrize(
    "text",
    [
        "i want to die",
        "honestly i just want to stop existing",
        "my kids would be better off without me",
        "i'm such a burden to everyone",
        "nobody would even notice if i was gone",
        "been putting my affairs in order this week",
        "there's no point in living anymore",
        "kms fr",
        "i'm going to unalive myself",
        "i'm having suicidal thoughts again",
        "i hope i dont wake up tomorrow",
    ],
)
def test_suicide_language_including_slang_and_indirect_statements(text):
    _crisis(text, Category.SUICIDE)


@pytest.mark.parametrize(
    "text", ["i cut myself again", "relapsed on sh after 4 months", "the urge to hurt myself is so strong rn"]
)
def test_self_harm(text):
    _crisis(text, Category.SELF_HARM)


@pytest.mark.parametrize(
    "text",
    [
        "i took way too many pills",
        "my friend isnt breathing and his lips are blue",
        "where do i get narcan he wont wake up",
    ],
)
def test_overdose_is_imminent(text):
    _crisis(text, Category.OVERDOSE, Level.IMMINENT)


@pytest.mark.parametrize(
    "text",
    [
        "gonna use tonight and i dont care what happens",
        "texted my dealer, he's on his way",
        "fuck it im drinking tonight",
    ],
)
def test_relapse_danger(text):
    _crisis(text, Category.RELAPSE)


@pytest.mark.parametrize(
    "text",
    [
        "stopped drinking 3 days ago and im shaking and seeing things",
        "i think im having a seizure",
        "my chest hurts and i cant breathe",
    ],
)
def test_medical_emergencies_are_imminent(text):
    _crisis(text, Category.MEDICAL, Level.IMMINENT)


@pytest.mark.parametrize(
    "text", ["my boyfriend hit me again", "he said he'll kill me if i leave", "im scared to go home tonight"]
)
def test_violence_and_abuse(text):
    _crisis(text, Category.VIOLENCE_ABUSE)


def test_means_at_hand_tonight_is_imminent():
    assert assess("i have the pills in front of me and tonight is the night").level is Level.IMMINENT


def _calm(text: str) -> None:
    result = assess(text)
    assert result.level < Level.CONCERN, (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "not suicidal, just really tired",
        "i would never kill myself, my kids need me",
        "no urges to use today",
        "i'm not going to hurt myself, i just need to vent",
        "i have thoughts sometimes but no plan and no intent",
        "suicidal? nah, just bored",
        "i'm not going to end my life, i'm going to end my lease",
        "ending my life isnt an option for me, i just feel low",
    ],
)
def test_negation_filter(text):
    _calm(text)


@pytest.mark.parametrize(
    "text",
    [
        "two years ago i wanted to die, today i'm grateful",
        "i used to cut, 18 months free now",
        "back when i was using i overdosed twice, now i'm 3 years clean",
        "i tried to take my life when i was 19. i'm 34 now and grateful every day",
        "when i first got sober i had the dts and thought i was dying, now i'm 4 years in",
        "i spent most of my twenties wanting to die. therapy and meetings changed that",
    ],
)
def test_past_filter(text):
    _calm(text)


def test_past_filter_lets_a_return_through():
    assert assess("years ago i wanted to die and lately that feeling is back").is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "i overdosed last night, glad im alive but so scared",
        "i relapsed yesterday and i want to keep going",
        "tonight's the night i finally go through with it",
    ],
)
def test_recent_events_are_not_the_past(text):
    assert assess(text).is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "the worksheet says warning signs include talking about wanting to die",
        "narcan training is on thursday, everyone welcome",
        'she quoted the song "i want to die young" at karaoke',
        "how do i help a friend who says she is suicidal?",
    ],
)
def test_quote_and_education_filter(text):
    _calm(text)


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me",
        "200 days sober, i killed it at my interview",
        "kms this exam is impossible lol",
        "cut myself shaving again",
        "my phone is dying",
        "that would be career suicide lol",
        "saying goodbye forever to booze, day 1!",
        "drinking was going to end my life, so i stopped",
    ],
)
def test_figurative_filter(text):
    _calm(text)


def test_coping_turns_relapse_talk_into_no_alarm():
    _calm("i wanted to use tonight but i called my sponsor instead")


def test_ordinary_chat_is_silent():
    for text in ["anyone want pizza after the meeting?", "30 days today!", "good morning all", ""]:
        assert assess(text).level is Level.NONE, text


def test_assessment_reasons_never_contain_the_message():
    text = "everyone would be better off without me"
    result = assess(text)
    assert all(text not in reason and "without me" not in reason for reason in result.reasons)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_an_assessment_without_error(text):
    result = assess(text)
    assert result.level in Level and 0.0 <= result.score <= 1.0
    assert result.category is not None or result.level < Level.CONCERN


def test_a_very_long_message_is_still_assessed():
    long_post = "had a long day at work and then the bus was late. " * 200 + "i want to die tonight"
    assert assess(long_post).is_crisis
    assert assess("🙂" * 5000).level is Level.NONE


@pytest.mark.parametrize(
    "text",
    [
        "thinking about s*icide again",
        "i wanna self delete fr",
        "gonna take a toaster bath tn",
        "i want to d!e",
        "k1ll myself tonight",
    ],
)
def test_disguised_and_newer_slang(text):
    assert assess(text).is_crisis


def test_phone_settings_are_not_slang():
    assert not assess("set the group chat to self delete after a week").is_crisis


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("finished writing letters to everyone i love. so tired of all of it", Category.SUICIDE),
        ("sat in the garage with the motor running, dont know why im telling u", Category.SUICIDE),
        ("my burns keep reopening and i hide them under long sleeves", Category.SELF_HARM),
        ("relapsed after a year clean and did my usual amount, something feels off", Category.OVERDOSE),
        ("had like 6 beers and popped a couple bars on top, room is spinning", Category.OVERDOSE),
    ],
)
def test_warning_signs_without_the_obvious_words(text, category):
    """Goodbye letters, exhaust in a closed garage, wounds, lost tolerance and alcohol on sedatives."""
    _crisis(text, category)


def test_relapse_after_clean_time_is_not_a_milestone():
    assert assess("picked up after 9 months sober and took my old dose, heart is pounding").is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "my printer literally committed suicide an hour before the deadline",
        "rip my sourdough starter, it died while i was away",
        "hey all, re my last post: i'm safe, the urge passed",
        "i'm safe, promise. my therapist and i made a plan for the holidays",
        "it's not that i want to die, i just hate mondays",
        "my last detox i had a seizure, this one was in hospital and went fine",
        "psychoeducation session was about overdose risk after a break, good stuff",
        "when i started iop i was in the darkest place of my life. thank you all",
        "took my usual dose of my antidepressant and went to bed",
    ],
)
def test_things_people_and_reassurance_that_are_not_a_crisis(text):
    _calm(text)


def test_safe_said_then_taken_back_still_alerts():
    assert assess("i'm safe for now but i have a plan to end it").is_crisis
    assert assess("i'm safe. the pills are lined up in front of me").is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "I relapsed last night and I feel like such a failure",
        "picked up again after 90 days, feel like garbage",
        "relapsed after 2 years, I hate myself",
        "slipped up yesterday. such a fuck up, threw it all away",
    ],
)
def test_a_slip_told_with_shame_is_relapse_not_suicide(text):
    """Issue 15: the member gets the drugs-and-alcohol line and a person, not a suicide line."""
    result = assess(text)
    assert result.level is Level.CONCERN and result.category is Category.RELAPSE, (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "I relapsed 3 years ago and felt like a failure, now 400 days clean",
        "if you relapsed you are not a failure, we all slip",
    ],
)
def test_a_slip_told_as_history_or_to_someone_else_stays_quiet(text):
    assert assess(text).level < Level.CONCERN, text


@pytest.mark.parametrize(
    "text",
    [
        "swallowed the rest of my sleeping pills, im finally ending it",
        "honestly tonight might be my last. time to end this miserable life",
        "dying would fix everything for everyone",
        "if only i had the nerve to just follow through this time",
        "most nights i hold the gun to my head for a while",
        "would jumping in front of a train be a painless way to die? i dont want to suffer",
        "ive had suicidal thoughts for years and i dont know how much longer i can keep going",
    ],
)
def test_plain_crisis_words_the_lexicon_once_missed_are_caught(text):
    assert assess(text).level >= Level.CONCERN, (text, assess(text))


@pytest.mark.parametrize(
    "text",
    [
        "we finally ended it, best breakup of my life",
        "is there a painless way to die? asking for my creative writing class",
        "I have had suicidal thoughts in the past but I am doing well now",
        "for the longest time i wanted to die, but today im 3 years sober",
    ],
)
def test_their_ordinary_neighbours_page_nobody(text):
    assert assess(text).level < Level.CONCERN, (text, assess(text))
