"""The voices that failed on real community text (issue 14): recovery talk, danger in the same words, peers
helping, present and recurring ideation, and long posts. Every message here was written for this file."""

from __future__ import annotations

import pytest

from cogs.crisis.detector import Category, Level, assess


@pytest.mark.parametrize(
    "text",
    [
        "Hope everyone is having a good night.",
        "Any more background please?",
        "I have a room here.",
        "his/her dreams matter",
        "jumping off subs next week",
        "finally jumping off methadone on friday, wish me luck",
        "tapering my suboxone down 2mg a week, so far so good",
        "I keep narcan in case a friend ODs",
        "carry naloxone in the glovebox, everyone in recovery should",
        "I have overdosed before so I know how scary it is, now 2 years clean",
        "I'm done with dope for good",
        "im done with pills, 30 days today",
        "day 12 clean and feeling human again",
        "i wanted to kill myself for years when i was using, therapy and meetings changed that",
        "i just dont want to live like this anymore, so i called a detox this morning",
        "id rather die than wait another week for the clinic lol",
    ],
)
def test_recovery_talk_and_ordinary_chat_do_not_page_anyone(text):
    result = assess(text)
    assert result.level < Level.CONCERN, (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "day 3 of withdrawals, sweating and nausea",
        "day 5 off dope, restless legs and chills but hanging in",
        "detoxing off oxys, yawning and sneezing all day",
    ],
)
def test_ordinary_withdrawal_is_at_most_a_gentle_word_with_the_drugs_line(text):
    result = assess(text)
    assert result.level <= Level.CHECK_IN, (text, result)
    if result.level is Level.CHECK_IN:
        assert result.category is Category.RELAPSE, "the drugs-and-alcohol line, not an emergency number"


@pytest.mark.parametrize(
    ("text", "category", "level"),
    [
        ("stopped drinking 3 days ago and now im seeing bugs on the walls", Category.MEDICAL, Level.IMMINENT),
        ("came off xanax cold turkey and i think im having a seizure", Category.MEDICAL, Level.IMMINENT),
        (
            "day 2 off the booze and im shaking and confused, dont know where i am",
            Category.MEDICAL,
            Level.IMMINENT,
        ),
        ("got a batch of Norco, want to take it tonight instead of my subs", Category.RELAPSE, Level.CONCERN),
        (
            "first time using in 8 months and im doing it alone tonight, dont care if i wake up",
            Category.RELAPSE,
            Level.IMMINENT,
        ),
        ("just bought blues after 6 months clean, im doing it tonight", Category.RELAPSE, Level.CONCERN),
    ],
)
def test_danger_in_the_same_vocabulary_still_counts(text, category, level):
    result = assess(text)
    assert result.level >= level, (text, result)
    assert result.category is category, (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "please dont kill yourself, we love you here",
        "please don't, call 988",
        "suicide is never the answer, we're here",
        "you don't deserve to die. please reach out to a crisis line tonight",
        "if you're thinking about ending your life please text 741741, they helped me",
        "my friend told me she wants to die, how do i help her?",
    ],
)
def test_a_peer_answering_someone_in_crisis_is_not_asked_if_they_are_safe(text):
    result = assess(text)
    assert not result.is_crisis, (text, result)
    assert result.answering, "the moderators should learn that a conversation may need them"


@pytest.mark.parametrize(
    "text",
    [
        "you guys would all be better off without me",
        "thank you all for everything. im going to kill myself tonight",
    ],
)
def test_saying_you_does_not_hide_the_writers_own_crisis(text):
    assert assess(text).is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "suicidal thoughts still come about weekly",
        "what helps me stop feeling like I want to kill myself?",
        "the only reason I didn't kill myself tonight was my dog",
        "found the spot, tonight's the night. thanks for everything guys",
        "found the location, next is the rope",
        "wrote out my last day",
        "the thoughts of killing myself come back every few days now",
        "i have been feeling alone for the last year and everything leads me back to ending my life",
        "the only thing that stopped me last night was my sister calling. i still want to die",
        "bought a rope today and picked a date",
        "i dont know if i want to be alive anymore",
        "not sure how much longer i can keep going like this",
    ],
)
def test_present_recurring_and_indirect_ideation_is_caught(text):
    result = assess(text)
    assert result.is_crisis, (text, result)
    assert result.category is Category.SUICIDE


def test_a_goodbye_made_of_weak_signs_is_treated_as_happening_now():
    result = assess("found the spot, tonight's the night. thanks for everything guys")
    assert result.level is Level.IMMINENT and result.category is Category.SUICIDE


def test_length_never_raises_a_score_by_itself():
    ordinary = "Had a long day at work and the bus was late. Made pasta and watched a film with my sister. "
    short, long = assess(ordinary), assess(ordinary * 40)
    assert long.level is Level.NONE
    assert long.score <= short.score


def test_one_worrying_sentence_in_a_long_ordinary_post_is_still_found():
    ordinary = "Had a long day at work and the bus was late. Made pasta and watched a film with my sister. "
    post = ordinary * 15 + "Honestly I've been thinking about killing myself again. " + ordinary * 15
    assert assess(post).is_crisis


def test_a_long_post_told_as_history_stays_quiet():
    post = (
        "Three years ago I was using every day. I overdosed twice that year and my family stopped talking to me. "
        "I went to detox, then a long program, and I carry naloxone everywhere now. "
        "Today I picked up my three year coin and my mum came to the meeting. "
    ) * 3
    assert not assess(post).is_crisis
