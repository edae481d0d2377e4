"""Context rules: when words that look like danger are not a member in danger right now.

Each filter answers one question about a lexicon hit in its clause:
- negated:     "not suicidal, just tired", "i would never hurt myself"
- past:        "two years ago i wanted to die, today i'm grateful" (unless it is back: "again", "lately")
- education:   "the worksheet says warning signs include...", quotes, lectures, news, third persons
- figurative:  "this traffic is killing me", laughter about exams, "cut myself shaving"
- coping:      "wanted to drink but called my sponsor" (relapse talk with the urge handled)
Filters only ever lower the level; the statistical model still votes on the whole message.
"""

from __future__ import annotations

import re

from .lexicon import Category

_NEGATORS = frozenset(
    "not never no dont didnt doesnt wont wouldnt isnt arent wasnt werent havent hasnt nor zero without".split()
)
# Uncertainty is not negation: "i dont know if i want to live" is more worrying, not less.
_HEDGES = re.compile(
    r"\b(?:havent (?:touched|used|had|done|drunk|picked up)|dont know|not sure|cant tell|not saying|not that|dont think i can|never felt|no one|no body|"
    r"no way out|no reason|no point|no future|not worth|dont care|"
    # A near miss is not a denial: "the only reason i didnt kill myself was my dog".
    r"only (?:reason|thing|one)|almost|nearly|came close|so close|stopped me|kept me|why i (?:didnt|havent))\b"
)
_NEGATED_STATE = re.compile(
    r"\b(?:not|never|no longer|nothing like|far from|not at all) (?:really |actually |feeling |at all )?"
    r"(?:suicidal|in danger|at risk|going to (?:hurt|kill|use|drink|pick up|relapse|do anything)|thinking (?:of|about) "
    r"(?:suicide|killing|ending|hurting|using|drinking)|planning (?:anything|to do anything|on doing anything)|"
    r"planning (?:to|on) (?:get|getting|buy|buying|use|using|drink|drinking|pick up|picking up|score|scoring)|"
    r"having (?:a crisis|thoughts|urges))\b|"
    r"\b(?:no|zero|dont have any|havent had any|not having any) (?:thoughts|plans?|urges?|intention|desire|cravings?)\b|"
    r"\b(?:im|i am|i feel) (?:safe|okay now|fine now)\b|\bnobody needs to worry\b|"
    r"\bdont worry\b(?! about me (?:after|anymore|any more|once|ever again))|"
    r"\b(?:isnt|is not|not) (?:a|my|some kind of|some) (?:goodbye|plan|last|suicide|cry for help|crisis)\b|"
    r"\b(?:no way|not like that|nothing like that|not in that way|never would|id never|i would never|wouldnt ever)\b|"
    r"\b(?:nope|no|nah|not really)\s*[.,!]?\s*(?:just|only)\b|\bnot (?:[\w,]+ ){0,7}just (?:tired|sad|venting|stressed|"
    r"exhausted|burnt out|burned out|frustrated|lonely|annoyed|bored|worn out)\b|"
    r"\b(?:isnt|is not|arent|are not|was never|wasnt|never|not) (?:something (?:id|i would|i will|im going to)|an option|"
    r"on the table|happening|in the cards|my plan)\b|\boff the table\b|"
    r"\b(?:shakes|shaking|tremors|sweats|vomiting|puking|scars|cravings|symptoms|hallucinations|seizures) (?:are |is |have |has )?"
    r"(?:all )?(?:gone|healed|stopped|over|faded)\b|\bno more (?:\w+ )?(?:shakes|vomiting|sweats|tremors|shaking|puking|"
    r"seizures)\b|\bhealed up\b|"
    r"\b(?:asked|asks|ask|asking) (?:me )?(?:if|whether)\b.{0,60}\b(?:said|say|answered|answer|told (?:her|him|them)) "
    r"(?:no|nope|not really|never|honestly no)\b|"
    # "its not that i want to end it, i just hate ..." denies this clause; the next clause is judged on its own.
    r"\b(?:its|it is|thats|that is) not (?:that|like|because) i (?:\w+ )?(?:want|wanna|would|will|am going|plan|think about)\b"
    r"(?!.{0,60}\b(?:but|though)\b.{0,40}\b(?:dont see|cant see|no way out|scared|cant take|cant do))"
)

_DISTANT_PAST = re.compile(
    r"\b(?:(?:(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|few|couple of|many|several) )?(?:years?|months?|yrs?) ago|"
    r"(?<!the )last (?:year|spring|summer|fall|autumn|winter|christmas|decade)|years back|back (?:then|in \d{4}|in the day|when)|"
    r"used to|in (?:\d{4}|the past|my (?:twenties|teens|thirties|active addiction|addiction|past|old life)|active addiction|"
    r"early recovery|my drinking days|my using days)|when i was (?:using|drinking|younger|a teen|a kid|in active|still using|"
    r"still drinking|in my)|at my (?:lowest|worst|rock bottom)|before (?:i got (?:sober|clean|help)|recovery|treatment|rehab|"
    r"i came here|i found this group)|there was a time|once upon|i remember (?:when|wanting|feeling|thinking|lying|being)|"
    r"that was (?:years|a long time|\d+ (?:years|months))|a long time ago|my old self|the old me|"
    r"when i (?:first )?got (?:sober|clean)|my first (?:year|month|months|week|weeks) (?:sober|clean|in recovery)?|"
    r"the (?:night|day|time|year) i (?:\w+ed|was|had|tried|took|got|went|hit|almost|nearly|drank)|that was (?:in )?\d{4}|when i was (?:\d+|\w+teen|young|a kid|in (?:high school|college))|"
    r"as a (?:teen|teenager|kid|child)|(?:most|much|all|half) of my (?:twenties|teens|thirties|life|adult life)|"
    r"in my (?:twenties|teens|thirties|forties)|(?:my|the) (?:first|last|previous|old|other) (?:detox|detoxes|rehab|"
    r"rehabs|withdrawal|withdrawals|treatment|stint|admission|hospital stay)|my first time|the first time (?:i|around)|"
    r"i was the (?:\w+ )?(?:guy|girl|one|person|kid|woman|man|dude) who|(?:remember|back in|miss) the (?:days|times|nights) "
    r"(?:when|where|i)|for the longest time|when i was (?:feeling|so|at|in a|really)|there were (?:days|nights|times)|"
    r"(?:did|gave|tried|thought|was|had|went) (?:\w+ ){0,3}?"
    r"once because|"
    r"(?:\d{3,} days|(?:\d+|a|one|two|three|six|nine) (?:months?|years?)) since (?:my|the) (?:last )?(?:od|overdose|drink|"
    r"relapse|attempt|use|seizure|hospital)|when i (?:first )?(?:joined|came here|got here|"
    r"started here|walked in|found (?:this|the) (?:group|server|program))|when i (?:first )?started (?:the program|iop|"
    r"treatment|recovery))\b"
)
_RETURNING = re.compile(
    r"\b(?:again|still|lately|these days|recently|this week|tonight|right now|coming back|creeping back|are back|is back|"
    r"all over again|starting to feel|feel(?:ing)? like that again|today i (?:want|feel like)|same way now)\b"
)
_RESOLVED = re.compile(
    r"\b(?:grateful|thankful|glad|proud|so happy|blessed|alive today|here today|still here|made it|survived|"
    r"got help|got sober|got clean|\d+ (?:days|months|years|weeks) (?:sober|clean|free)|sober now|clean now|safe now|"
    r"life is good|never again|saved my life|im better|doing better|i was wrong|another way|recovery showed|"
    r"changed that|changed everything|years in|(?:im|i am) \d+ now|on year \w+|year (?:two|three|four|five|\d+) now|"
    r"behind me|(?:its|it is|thats) over now|got through|made it through|never looked back|it passed|turns out|turned out|"
    r"got (?:it|them|everything) (?:all )?back)\b"
)
_GRIEF = re.compile(
    r"\b(?:died|passed away|passed|lost (?:him|her|them|my \w+|a \w+)|funeral)\b.{0,30}"
    r"\b(?:overdose|overdosed|fentanyl|suicide|drinking|drugs)\b|\b(?:lost|losing) (?:\w+ ){0,3}to "
    r"(?:an )?(?:overdose|suicide|fentanyl|addiction)\b"
)

_EDUCATION = re.compile(
    r"\b(?:worksheet|handout|pamphlet|brochure|leaflet|article|book|chapter|video|podcast|documentary|lecture|class|course|"
    r"training|workshop|webinar|seminar|presentation|study|research|statistics|stats|news|report|paper|essay|poster|slide|"
    r"slides|website|post from|quote|lyrics|song|movie|film|show|episode|character|novel|textbook|curriculum|module|"
    r"awareness|prevention|vigil|hotline number|lifeline|988|warning signs?|signs of|symptoms of|risk factors?|"
    r"how (?:do|can|should) (?:i|we|you) (?:help|support|tell|spot|recognize|talk)|how to (?:help|support|spot|recognize)|"
    r"what (?:are|is) the signs|if someone|when someone|someone who|a friend who|a person who|(?<!hearing )(?<!seeing )people who|"
    r"the speaker|our counselor|the counselor|the nurse|the doctor said|my therapist (?:said|says|gave|explained)|"
    r"we (?:learned|practiced|talked about|discussed|read|covered)|in group (?:today )?we|the group (?:talked|discussed)|"
    r"psych ?ed|psychoeducation|psycho education|psa|fyi|reminder|pro tip|(?:overdose|warning|withdrawal|relapse) signs|"
    r"(?:you|we|everyone|yall) should (?:always |still |also )?(?:carry|give|call|keep|know|learn)|if you (?:see|find|think) "
    r"(?:someone|somebody|a person|a friend)|make sure (?:you|everyone)|(?:is|are) free at|free (?:narcan|naloxone)|aka|"
    r"what does (?:\w+ ){1,3}mean|anyone know what|is it true (?:that)?|how (?:do|can) you tell|^til|today i learned|sharing in case|"
    r"in case anyone needs|any good sources|sources|hotline|carry (?:narcan|naloxone)|thats why so many|so many people|"
    r"covered|school report|report on|nursing|(?:class|school|homework|assignment|project) (?:on|about)|"
    r"(?:group|class|session|lesson|topic|talk|module|the speaker)(?: today| tonight)? "
    r"(?:was|is) (?:about|on)|today was about|the topic|they (?:explained|taught|showed)|(?:we|they) went over)\b"
)
# "in the movie a guy says im going to kill myself": the words belong to someone on a screen or page.
_SOMEONE_SAYS = re.compile(
    r"\b(?:a |the |this |that )?(?:guy|girl|man|woman|kid|character|he|she|they|someone|somebody|"
    r"narrator|singer|actor|host|speaker|author) (?:says|said|goes|went|yells|yelled|screams|screamed|"
    r"sings|sang|tells|told|writes|wrote) "
)
# "my" alone is possession ("my class", "my daughter's report"), not the writer speaking about themselves.
_FIRST_PERSON_NOW = re.compile(r"\b(?:i|im|me|myself|ive|id|ill)\b")
_REPORTING_VERBS = re.compile(
    r"\b(?:i|we) (?:learned|read|saw|heard|watched|practiced|wrote|am writing|im writing|"
    r"was reading|am reading|im reading|found)\b|\bmy (?:class|paper|essay|teacher|counselor)\b|"
    r"\bhow (?:do|can|should|would) (?:i|we) (?:help|support|talk to|tell|spot|recognize|know)\b|"
    r"\b(?:a|my) (?:friend|buddy|sister|brother|cousin|son|daughter|sponsee|coworker) who\b|"
    r"\b(?:told|asked|texted|messaged) me\b|\b(?:what|how) (?:do|should|can|would) i (?:even )?"
    r"(?:say|do|tell|help|respond|handle|answer)\b|\basking (?:for|before|because|since|so)\b.*$|"
    r"\b(?:saw|seen|read|heard) it\b"
)

_LAUGHTER = re.compile(r"\blol\b|\bhaha|\bjk\b|\bjoking\b|\bkidding\b")
_MUNDANE = re.compile(
    r"\b(?:exam|exams|midterm|midterms|finals|essay|test|quiz|homework|class|classes|lecture|school|teacher|boss|meeting|zoom|traffic|commute|game|"
    r"team|match|meme|joke|song|show|movie|monday|mondays|email|emails|spreadsheet|taxes|cringe|embarrass\w*|awkward|"
    r"crush|date|gym|workout|leg day|presentation|printer|wifi|internet|phone|laptop|homework|deadline|shift|job|work|"
    r"tripped|karaoke|stage|leftovers|pizza|burger|coffee|hair|haircut|outfit|the dmv|landlord|dentist|heat|weather)\b"
)
_ACCIDENT = re.compile(
    r"\b(?:shaving|cooking|making (?:dinner|lunch|breakfast)|on the stove|by accident|accidentally|"
    r"chopping|chopping \w+|cutting (?:onions|vegetables|veggies|bread)|the oven|at work|the cupboard|the door|a paper cut|the kitchen|fixing)\b"
)
# Recovery talk that borrows the words of an ending: the old life ends, not the person.
_RECOVERY_FIGURES = (
    r"(?:goodbye|bye|farewell)(?: forever)? to (?:drinking|alcohol|booze|drugs|using|my old life|the old me|pills|weed|"
    r"cigarettes|that life|my addiction|the bottle|my old self|my ex|toxic)|"
    r"(?:drinking|alcohol|booze|drugs|using|heroin|meth|pills|addiction|my addiction) (?:was going to|would have|almost|"
    r"nearly|could have|was about to) (?:end|ended|take|taken|kill|killed) (?:my life|me)|"
    r"(?:end|ending|ended) (?:my|the) (?:life|old life) (?:as|i had as) (?:i knew it|an addict|a drinker|a user)|"
    r"(?:kill|killing|killed) (?:the|my) (?:old me|addict in me|cravings?)"
)
_RECOVERY_FIGURE = re.compile(rf"\b(?:{_RECOVERY_FIGURES})\b")
# Things, not people: "my laptop committed suicide mid essay" is a bad day, not a crisis.
_THINGS = (
    r"(?:laptop|phone|computer|pc|printer|car|battery|router|wifi|tv|xbox|playstation|ps5|console|switch|"
    r"headphones|airpods|earbuds|charger|plant|plants|fridge|microwave|server|app|keyboard|mouse|tablet|ipad|"
    r"kindle|camera|speaker|controller|monitor|screen|hard drive|vacuum|dishwasher|kettle|toaster|blender|"
    r"sourdough starter|garden|tomatoes|basil|succulent|group chat|chat|thread|playlist|streak|sleep schedule|"
    r"social life|bank account|wallet|motivation|brain cells?|braincell)"
)
_FIGURATIVE_SPANS = re.compile(
    r"\b(?:killing me|killed it|kill it|kill for|killed me|to die for|dying to|dying for|dying of (?:laughter|boredom)|"
    r"died laughing|bored to death|scared to death|dead tired|dead serious|(?:phone|battery|laptop|car|plant|plants|wifi) "
    r"(?:is )?(?:dying|died|dead)|overdosed on (?:netflix|sugar|coffee|caffeine|candy|chocolate|tv|memes|pizza|"
    r"cookies|sun)|jump at|shot my shot|kill two birds|drowning in (?:work|paperwork|emails|homework)|death of me|"
    r"(?:going to|gonna|will|is going to) kill me (?:for|when|if)|(?:gonna|going to|will) be the (?:end|death) of me|"
    r"(?:id|i would|would) (?:honestly )?rather (?:die|be dead) than (?:wait|go to|go back|work|eat|do|sit|take|listen|watch|"
    r"be seen|admit|ask|call|tell|miss|lose|give|have to|deal with (?:the|my|this|that) \w+)|"
    r"(?:so|too) (?:hot|spicy|cold|funny|embarrassing|awkward|scary|good|cringe|loud|boring) (?:\w+ ){0,4}?(?:gonna|going to|"
    r"could|would|about to) die|through the roof|heart attack when|scared me to death|"
    rf"{_RECOVERY_FIGURES}|on life support|(?:social|career|financial) suicide|suicide (?:squad|mission|run|sprints?|doors|wings|drills)|"
    rf"{_THINGS} (?:\w+ ){{0,2}}?(?:committed suicide|killed itself|unalived itself|offed itself|died|is dying|"
    r"overdosed|od|oded|(?:is|are|was) dead)|"
    r"overdosed on (?!(?:\w+ )?(?:pills|xanax|benzos|heroin|fentanyl|opioids|meds|oxy|drugs|alcohol|"
    r"something|dope|coke|meth|it|them))\w+)\b"
)

_COPING = re.compile(
    r"\b(?:but|instead|then|so) (?:i )?(?:called|texted|went to|reached out|talked to|prayed|meditated|walked|left|"
    r"drove past|played the tape|told|hit a meeting|went for a)\b|\b(?:not|never) (?:going|gonna) to (?:use|drink|pick up|"
    r"act on it)\b|\bthe (?:urge|craving|thought) passed\b|\bwalked out\b|\bkept going\b|\bplayed the tape forward\b|"
    r"\bstayed (?:sober|clean)\b|\bblocked (?:and deleted|him|her|them|the number|his number|her number)\b|"
    r"\bdeleted (?:his|her|their|the|my \w+s) (?:number|contact)\b|\bi know (?:that|its a|its|thats a|thats) (?:liar|lie|lying)\b|"
    r"\b(?:gave|handed) (?:my sponsor|my wife|my husband|my partner|a friend|my friend|someone) (?:the key|my keys|my card|my stash)\b|"
    r"\bpoured (?:it|them|the \w+) all (?:out|down)\b|\bno (?:pills|alcohol|booze|drugs|liquor|guns?|meds) (?:left )?in (?:the|my) (?:house|apartment|"
    r"place|home|flat)\b|\bgot rid of (?:the|all the|all my|my)\b|\bflushed (?:the|my|them|it)\b|\bpoured (?:it|them|the \w+) "
    r"(?:out|down the)\b|\bgave my (?:meds|pills|stash) to\b|\bdidnt (?:use|drink|pick up)\b|\bsober (?:buddy|friend|support|companion)\b"
)


def negated(clause: str, start: int) -> bool:
    """A negator in the three words before the hit, or a clause that denies the state outright."""
    if _NEGATED_STATE.search(clause):
        return True
    before = clause[:start].split()[-5:]
    if not _NEGATORS.intersection(before):
        return False
    return not _HEDGES.search(clause[max(0, start - 30) : start + 30])


_RECENT = re.compile(
    r"\b(?:last night|yesterday|this morning|this afternoon|earlier|an hour ago|hours ago|just now|"
    r"tonight|tonights|right now|this week|minutes ago|a few minutes|i just|today|now i|did it again|"
    r"\d+x|\d+ times today)\b"
)
_PAST_VERB = re.compile(
    r"\b(?:spent|had|tried|was|were|wanted|wanting|used to|thought|overdosed|relapsed|did|cut|"
    r"attempted|survived|nearly|almost|took)\b"
)


# "i wanted to die for years", "i was so close to ending it": a state told in the past tense. Not "i was
# thinking about" or "i was going to", which people say of right now; not an attempt, which is risk either way.
# Durations that run up to now and habits: "for the last year", "every night", "i keep wanting to".
_ONGOING = re.compile(
    r"\b(?:(?:for|over|during|in) the (?:last|past) (?:\w+ )?(?:year|years|months?|weeks?|days?|while)|(?:have|has|ive) been|"
    r"every (?:day|night|morning|week|single day)|all the time|constantly|weekly|daily|most days|most nights|"
    r"keep (?:thinking|wanting|feeling|having)|cant stop (?:thinking|wanting)|always|anymore)\b"
)
_PAST_STATE = re.compile(
    r"(?<!if )\b(?:i|we) (?:\w+ )?(?:wanted|felt|thought about|used to|had (?:been|thoughts|the thought)|"
    r"would have|got so close|came close|was so close|was (?!thinking|going|planning|about|gonna|ready)\w+)\b"
)


# "I've had these thoughts for the longest time": a duration that runs up to now, not a time that is over
# ("for the longest time I wanted to die" alone is told as past; "I have had them in the past" is past).
_UP_TO_NOW = re.compile(
    r"\b(?:ive|i have|weve|we have)(?: been)? (?:had|having|felt|feeling|struggled|struggling|dealt|"
    r"dealing|thought|thinking|wanted|wanting)\b.{0,50}\b(?:for (?:the longest time|so long|so many years|"
    r"years|months|a long time|ages|a while)|since (?:i was|\d+|middle school|high school))\b"
)


def in_the_past(clause: str, message: str) -> bool:
    """Said about a time that is over, with nothing saying it has come back or just happened."""
    if _RETURNING.search(clause) or _RECENT.search(clause) or _UP_TO_NOW.search(clause):
        return False
    if _DISTANT_PAST.search(clause):
        return True
    if _ONGOING.search(clause):
        return False
    if _PAST_STATE.search(clause) and not (
        _RETURNING.search(message) or _RECENT.search(message) or _ONGOING.search(message)
    ):
        return True
    if _LOST_CLEAN_TIME.search(message):
        return False
    if _RESOLVED.search(message) and (_DISTANT_PAST.search(message) or _PAST_VERB.search(clause)):
        return True
    return bool(_GRIEF.search(clause))


def educational(clause: str, message: str) -> bool:
    """About the topic (a handout, a class, a friend, the news) rather than the writer right now."""
    if not _EDUCATION.search(message) and '"' not in clause:
        return False
    if '"' in clause or _SOMEONE_SAYS.search(clause):
        return True
    personal = _FIRST_PERSON_NOW.search(_REPORTING_VERBS.sub(" ", clause))
    return not personal


def figurative(message: str, span: tuple[int, int], category: Category) -> bool:
    """Hyperbole, jokes and accidents: laughter about ordinary things, or a known figure of speech."""
    for match in _FIGURATIVE_SPANS.finditer(message):
        if match.start() < span[1] and span[0] < match.end():
            return True
    if category is Category.SELF_HARM and _ACCIDENT.search(message):
        return True
    if category is Category.MEDICAL and _KITCHEN_ACCIDENT.search(message):
        return True
    return bool(_LAUGHTER.search(message) and _MUNDANE.search(message))


def coping(message: str) -> bool:
    """The urge was named and handled: recovery talk, not relapse danger."""
    return bool(_COPING.search(message))


def reassuring(message: str) -> str | None:
    """Whole-message context that explains away a model-only alarm (no lexicon phrase fired).

    The model reads distress words well but not what surrounds them; a message that also says
    the urge was handled, the danger is past, it is about a class, or denies the state outright
    is recovery talk, not a crisis.
    """
    if _NEGATED_STATE.search(message):
        return "negated"
    if _COPING.search(message):
        return "coping"
    if (_RESOLVED.search(message) or _MILESTONE.search(message)) and not _LOST_CLEAN_TIME.search(message):
        return "resolved"
    if _DISTANT_PAST.search(message) and not _RETURNING.search(message):
        return "past"
    if _EDUCATION.search(message) and not _FIRST_PERSON_NOW.search(_REPORTING_VERBS.sub(" ", message)):
        return "education"
    if _KITCHEN_ACCIDENT.search(message):
        return "accident"
    if _RECOVERY_FIGURE.search(message) or (_LAUGHTER.search(message) and _MUNDANE.search(message)):
        return "figurative"
    return None


# Only unmistakable accidents: a broader list ("at work", "the door") vetoed real crises in testing.
_KITCHEN_ACCIDENT = re.compile(
    r"\b(?:shaving|chopping|by accident|accidentally|on the stove|the oven|paper cut|"
    r"cutting (?:onions|vegetables|veggies|bread))\b"
)


# "used after 6 months clean" counts clean time to say it just ended: a relapse, not a milestone.
_LOST_CLEAN_TIME = re.compile(
    r"\b(?:used|drank|relapsed|slipped|picked up|threw away|lost|broke|blew|gave up)\b.{0,30}"
    r"\b(?:after|of) (?:\d+|a|one|two|three|six|nine) (?:days?|weeks?|months?|years?)\b"
)


_MILESTONE = re.compile(
    r"\b(?:\d+|one|two|three|six|nine) (?:days?|weeks?|months?|years?) (?:sober|clean|free|today|"
    r"no (?:drinks?|pills|alcohol))\b|\b(?:sober|clean) (?:for )?(?:\d+|one|two|three|six) "
    r"(?:days?|weeks?|months?|years?)\b|\b(?:chip|coin|medallion|sobriety date|anniversary)\b"
)


# "im safe" said outright, with nothing after it that takes it back ("im safe for now but...").
_SAFE_NOW = re.compile(
    r"\b(?:im|i am|i feel|feeling|i promise im|honestly im|i swear im) (?:totally |completely |actually |really |"
    r"perfectly |physically )?(?:safe|not in (?:any )?danger|not going to do anything)\b|\bnot in (?:any )?danger\b|"
    r"\b(?:nobody|no one|noone) (?:needs|has) to worry\b|\bno need to worry\b"
)
_TAKEN_BACK = re.compile(
    r"\b(?:but|though|although|except|for now|for tonight|i think|i guess|probably|maybe|yet|"
    r"not sure|for the moment|at the moment|barely)\b"
)


def says_safe(message: str) -> bool:
    """The member tells us they are safe now; a hit elsewhere in the message is then context, not an alarm.

    Only phrases that are not themselves an emergency are lowered by this (see detector).
    """
    for match in _SAFE_NOW.finditer(message):
        if not _TAKEN_BACK.search(message, match.end(), match.end() + 40):
            return True
    return False


# "about my last post", "sorry for my last message": pointing back at an earlier message, not a farewell.
_POINTS_BACK = re.compile(
    r"\b(?:about|re|regarding|ignore|sorry (?:for|about)|delete|deleted|after|since|in|from|on|"
    r"to|worried (?:about|by)|reading|saw|see|edit|edited|replying to|reply to|under) "
    r"(?:my |that |the |this )?$"
)


def points_back(message: str, start: int) -> bool:
    return bool(_POINTS_BACK.search(message[max(0, start - 30) : start]))


# --- words said to someone else ------------------------------------------------------------------

# Kinds of danger a peer answers in a thread ("please don't kill yourself", "call 988 if you overdose").
ANSWERABLE = frozenset({Category.SUICIDE, Category.SELF_HARM, Category.OVERDOSE})
_SECOND_PERSON = frozenset("you your youre yourself yourselves yours youve youll youd yall".split())
_FIRST_PERSON = frozenset("i im me my myself ive id ill mine".split())


_THIRD_PERSON = frozenset(
    "he she they hes shes theyre him her them his their people someone somebody everyone everybody anyone anybody friend "
    "friends brother sister mom dad mother father son daughter wife husband boyfriend girlfriend partner kid kids cousin "
    "roommate person guy girl man woman".split()
)
# "suicide is never the answer", "a family history of suicide": the word as a topic, with no one in it.
_TOPIC_WORDS = frozenset({"suicide_word", "overdose_word"})


def someone_else(clause: str, start: int, end: int, phrase: str) -> str | None:
    """Thoughts of dying that belong to someone the writer talks about, or to nobody: "my friend wants to die".

    Returns "third_person" or "topic", or None when the words are (or may be) the writer's own.
    """
    span = clause[start:end].split()
    if _FIRST_PERSON.intersection(span):
        return None
    before = clause[:start].split()
    for word in reversed(before[-6:]):
        if word in _FIRST_PERSON:
            return None
        if word in _THIRD_PERSON:
            return "third_person"
    words = clause.split()
    if (
        phrase in _TOPIC_WORDS
        and len(words) > 3
        and not _FIRST_PERSON.intersection(words)
        and not (_RETURNING.search(clause) or _RECENT.search(clause) or _ONGOING.search(clause))
    ):
        return "topic"
    return None


# "asking for a friend" is how people ask for themselves.
ASKING_FOR_SELF = re.compile(r"\basking for (?:me|myself|a friend)\b")


def addressed(clause: str, start: int, end: int) -> bool:
    """The phrase is about the person being spoken to, not the writer: "you don't deserve to die".

    The nearest person before the phrase in its clause decides ("i know you want to die" is about
    "you", "you know i want to die" is about "i"); a phrase that names the writer ("better off
    without me") is always the writer's.
    """
    span = clause[start:end].split()
    if _FIRST_PERSON.intersection(span):
        return False
    if _SECOND_PERSON.intersection(span):
        return True
    for word in reversed(clause[:start].split()[-6:]):
        if word in _SECOND_PERSON:
            return True
        if word in _FIRST_PERSON:
            return False
    return False


# A peer answering someone in danger: pleading, pointing to help, telling them they matter. Only
# together with the topic of danger in the same message (a "we love you" on a milestone is not this).
_SUPPORTING = re.compile(
    r"\b(?:please (?:dont|do not|stay|reach out|call|talk to|hold on|hang on|keep going|get help|go to)|"
    r"dont do (?:it|anything)|(?:call|text|ring|contact) (?:988|911|999|112|000|741741|116 123|"
    r"(?:a|the|your (?:local )?)(?:hotline|lifeline|crisis line|suicide line|helpline|samaritans|emergency))|"
    r"(?:we|i|people here|everyone here) (?:all )?(?:love|care about|are here for|am here for|believe in|need) you|"
    r"(?:youre|you are) not alone|(?:you|your life) (?:matter|matters|deserve|are worth|is worth|are loved|are important)|"
    r"(?:suicide|killing yourself|ending it|ending your life) (?:is|isnt|is not|is never|will never be|wont) "
    r"(?:never )?(?:the answer|a solution|the solution|the way|worth it)|permanent solution to a temporary|"
    r"are you safe|(?:please )?(?:talk|reach out|speak) to (?:someone|somebody|a therapist|a counselor|a doctor|your)|"
    r"(?:dm|message|pm) me|im here (?:for you|if you)|here for you|stay (?:with us|safe)|dont give up|"
    r"(?:hang|hold) in there|it (?:will|does|can) get better|glad (?:youre|you are) (?:still )?here)\b"
)
_DANGER_TOPIC = re.compile(
    r"\b(?:suicide|suicidal|kill yourself|killing yourself|end (?:it|your life)|ending (?:it|your life)|die|dying|"
    r"hurt yourself|hurting yourself|self harm|cutting|do it|988|hotline|lifeline|crisis line|overdose|overdosing|"
    r"not alone|stay with us|give up)\b"
)


def supporting(message: str) -> bool:
    """The writer is answering someone who may be in danger (the moderators may want to look in)."""
    match = _SUPPORTING.search(message)
    return bool(match) and bool(_DANGER_TOPIC.search(message))


# --- recovery talk that borrows the words of danger ----------------------------------------------

# "i overdosed twice back then", "i keep narcan in case someone overdoses": history and preparedness.
_OVERDOSE_TOLD = re.compile(
    r"\b(?:in case|just in case|if (?:someone|somebody|anyone|a friend|my \w+|you|they|he|she)|prevent|prevention|"
    r"(?:carry|carries|keep|keeps|have|got) (?:\w+ )?(?:narcan|naloxone)|risk of|chance of|"
    r"(?:have|had|has|ive|id) (?:\w+ ){0,2}?(?:overdosed|overdoses)|(?:overdosed|overdoses) (?:\w+ ){0,3}?(?:times|twice|once|before)|"
    r"(?:died|dead|lost|passed|passed away) (?:\w+ ){0,4}?(?:overdose|overdoses)|since (?:my |the |that |last )?overdose)\b"
)


def recovery_talk(clause: str, window: str, category: Category) -> bool:
    """Overdose told as history or as something to be ready for, with nothing recent about it."""
    if category is not Category.OVERDOSE:
        return False
    return bool(_OVERDOSE_TOLD.search(clause)) and not _RECENT.search(clause)
