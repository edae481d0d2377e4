"""The curated lexicon: phrases that signal risk, grouped by category, on normalised text.

Every pattern works on the output of `normalize()` (lowercase, no apostrophes, slang expanded), so
"I'm gonna KMS" is matched by the plain "kill myself" entry. Each entry carries a weight (how sure the
phrase alone is) and whether the phrase itself means the danger is happening now.

Patterns describe feelings, intent and emergencies, never methods beyond the words people use to say
they are in danger; nothing here is shown to members.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    OVERDOSE = "overdose"
    RELAPSE = "relapse_danger"
    MEDICAL = "medical"
    VIOLENCE_ABUSE = "violence_abuse"


@dataclass(frozen=True)
class Phrase:
    name: str
    category: Category
    weight: float  # 0..1: how sure this phrase alone is, before context
    imminent: bool  # the phrase itself says it is happening now


_SELF = r"(?:my ?self|me)"
_PEOPLE = r"(?:everyone|everybody|every one|people|my (?:family|kids|mom|dad|parents|wife|husband|partner))"
_PARTNER = (
    r"(?:he|she|they|my (?:partner|boyfriend|girlfriend|husband|wife|ex|dad|father|mom|mother|stepdad|"
    r"stepmom|step dad|roommate|brother|sister|uncle|son|daughter|landlord|dealer|bf|gf))"
)
_SUBSTANCE = (
    r"(?:drink|drinking|booze|alcohol|vodka|whiskey|beer|wine|liquor|pills|xanax|benzos?|oxy|oxys|percocet|"
    r"heroin|dope|fentanyl|meth|crack|coke|cocaine|opioids?|opiates?|gear|shit|stuff|bottle|bag|h)"
)
_USE = (
    r"(?:use|using|drink|drinking|get high|get drunk|get wasted|get loaded|shoot up|relapse|score|cop|pick up|"
    r"buy|smoke|snort|go out|blow it|throw it away|throw away my)"
)

_RELAPSED = (
    r"(?:relapsed|i slipped|slipped up|picked up again|used again|drank again|started (?:using|drinking) again|"
    r"went back out|fell off the wagon|lost my (?:clean|sober) (?:time|date)|threw away (?:\w+ ){0,2}(?:days|months|years))"
)
_SHAME = (
    r"(?:(?:such a|a|total|complete|huge|fucking) (?:failure|fuck up|fuckup|disappointment|loser)|failure|garbage|trash|"
    r"worthless|useless|pathetic|piece of shit|hate myself|disgusted with myself|so ashamed|ashamed of myself|"
    r"let everyone down|ruined everything|threw it all away)"
)

# Alcohol on top of sedatives or opioids is how many overdoses happen, even with a "normal" amount of each.
_DRANK = (
    r"(?:drank|drinking|downed|finished|polished off|had) (?:\w+ ){0,3}?(?:fifth|bottle|beers|vodka|whiskey|wine|"
    r"drinks|shots|pints|handle|liquor|booze|tequila|rum|gin)"
)
_SEDATED = (
    r"(?:took|taking|take|popped|popping|swallowed|had|ate|on) (?:\w+ ){0,2}?(?:sleeping pills|sleepers|pills|xanax|"
    r"bars|benzos|valium|klonopin|ativan|ambien|oxy|oxys|percs|percocet|opioids|methadone|tramadol|gabapentin|"
    r"zannies|lean|downers)"
)

# Alcohol and benzodiazepine withdrawal can kill: these signs after stopping are a medical emergency.
_WITHDRAWAL_SIGNS = (
    r"(?:shaking|shakes|tremors|trembling|sweating|hallucinating|seeing things|hearing things|seeing bugs|"
    r"hearing voices|bugs crawling|seeing shadows|confused|vomiting|throwing up|puking|cant hold a cup)"
)
_STOPPED = (
    r"(?:withdrawal|withdrawals|withdrawing|detox|detoxing|since i stopped|since i quit|stopped drinking|quit drinking|"
    r"cold turkey|coming off|no alcohol|no drink|no drinking|without a drink|off (?:the )?(?:booze|alcohol|benzos|"
    r"xanax|pills|bars|drink|sauce)|quit the (?:bars|benzos|xanax|booze|drink)|day \w+ (?:no|without|off))"
)

# Signs that make any withdrawal an emergency; shakes and sweats do so only after alcohol or sedatives.
_SUBSTANCE_NAMES = (
    r"(?:dope|heroin|fent|fentanyl|pills|oxys?|percs|percocet|norcos?|roxies|roxys?|blues|meth|coke|crack|"
    r"benzos|xanax|bars|alcohol|booze|drinking|drugs|opiates|opioids|kratom|subs|suboxone|methadone|weed|h)"
)
_DANGER_SIGNS = (
    r"(?:walls (?:are |keep )?(?:moving|breathing|melting)|hallucinating|hallucinations|seeing things|hearing things|seeing bugs|bugs crawling|hearing voices|"
    r"seeing (?:stuff|things|people) that (?:isnt|aint|arent|is not|are not) there|heart rate (?:is |of |at )?"
    r"(?:1[3-9]\d|2\d\d)|"
    r"seeing shadows|confused and|so confused|not making sense|dont know where i am|seizure|seizures|seizing|"
    r"convulsing|cant keep (?:anything|water|fluids) down)"
)
_STOPPED_SEDATIVE = (
    r"(?:since i stopped drinking|stopped drinking|quit drinking|no alcohol|no drink|no drinking|without a drink|"
    r"off (?:the )?(?:booze|alcohol|benzos|xanax|klonopin|valium|ativan|bars|drink|sauce)|quit the (?:bars|benzos|"
    r"xanax|booze|drink)|(?:alcohol|benzo|xanax|klonopin) (?:withdrawal|withdrawals|detox)|"
    r"(?:cold turkey|coming off|came off|stopped|quit) (?:off |from |the )?(?:benzos|xanax|klonopin|valium|ativan|alcohol|"
    r"drinking|booze))"
)

# (name, category, weight, imminent, regex)
_ENTRIES: list[tuple[str, Category, float, bool, str]] = [
    # --- weak signs of a plan: alone each is ordinary, two together (or the model agreeing) are not
    (
        "plan_signs",
        Category.SUICIDE,
        0.45,
        False,
        r"\b(?:tonight|today) (?:might|may|could|will) be (?:it|the night|the day)\b|"
        r"\b(?:found|picked|chose|scouted|checked out) (?:the|a|my) (?:spot|location|place)(?= *(?:$|[.,!?]|for it|to do it|where|"
        r"nobody|no one|and|next|tonight))|\b(?:tonights|tonight is|today is|this is) the (?:night|day)\b|"
        r"\b(?:thank|thanks|thank you) (?:\w+ ){0,2}?for everything\b|\b(?:hold off|wait|waiting) (?:till|until) the date\b|"
        r"\b(?:picked|chose|set|have) (?:a|the) date\b|\bnext (?:step )?is (?:the|to get the) (?:rope|pills|gun)\b",
    ),
    # Hopelessness: common in venting, so one sign alone is only worth a gentle word; two close together
    # (or the model agreeing about the same sentence) are a crisis.
    (
        "hopeless",
        Category.SUICIDE,
        0.4,
        False,
        r"\b(?:i feel|im|i am|feeling|i just feel) (?:so |completely |totally |very |really )?(?:hopeless|worthless|empty inside|"
        r"like a (?:burden|failure|waste of space)|like nothing matters)\b|\b(?:nothing|it) (?:will|is going to|is ever going to) "
        r"(?:ever )?(?:get better|change)\b|\bnothing ever (?:gets better|changes)\b|\bi (?:hate|despise) (?:myself|my life|being alive)\b|"
        r"\b(?:no one|nobody) (?:cares|would care|gives a shit) (?:about|if) (?:me|i)\b|\bi (?:see|have) no future\b|"
        r"\b(?:my )?life is (?:pointless|meaningless|worthless|not worth it|over)\b|\b(?:dont|cant|do not) see (?:the |any )?light "
        r"at the end of the tunnel\b|\b(?:would|will) (?:even )?(?:care|notice) if i (?:was|were|am) (?:dead|gone)\b|"
        r"\bthinking about my (?:own )?death\b|\bwish i could (?:just )?(?:disappear|vanish|"
        r"stop existing|not exist|sleep forever|die)\b|\bfeel like (?:ending it|ending my life|dying|giving up on (?:life|everything))\b",
    ),
    (
        "use_instead",
        Category.RELAPSE,
        0.8,
        False,
        rf"\b(?:just )?(?:bought|copped|scored|picked up|got) (?:some |a bag of |a )?{_SUBSTANCE_NAMES}\b"
        r"(?=.{0,40}\b(?:doing it|tonight|right now|going to use|gonna use|about to))|"
        r"\bmight as well (?:finish the job|end it|go all the way|die)\b|"
        rf"\b(?:want to|going to|about to|will|plan to|planning to|gonna) (?:take|do|shoot|snort|smoke|pop|use|eat) "
        rf"(?:it|them|some|all of (?:it|them)|the (?:\w+ )?{_SUBSTANCE_NAMES}|{_SUBSTANCE_NAMES})\b.{{0,30}}"
        rf"\b(?:tonight|right now|now|today|instead of my (?:subs|suboxone|methadone|script|dose|meds))\b",
    ),
    # --- suicide: explicit
    (
        "kill_self",
        Category.SUICIDE,
        0.95,
        False,
        rf"\b(?:kill|killing|end|ending|off|offing|hang|hanging|shoot|shooting|drown|drowning) {_SELF.replace('|me', '')}\b",
    ),
    (
        "kill_me_wish",
        Category.SUICIDE,
        0.8,
        False,
        r"\b(?:wish|want|hope) (?:someone|somebody|something|a car|a truck|god) (?:would |to |will )?(?:kill|hit) me\b",
    ),
    ("suicide_word", Category.SUICIDE, 0.85, False, r"\bsuicid(?:e|al|ality)\b"),
    (
        "end_life",
        Category.SUICIDE,
        0.95,
        False,
        r"\b(?:end|ending|take|taking|end all of) (?:it all|my (?:own )?life|things for good|everything for good|"
        r"(?:this|my) (?:\w+ )?(?:miserable|pathetic|worthless|shitty|sad|lonely|wretched|useless) life(?: of mine)?)\b"
        r"(?! as (?:i knew it|an addict|a drinker|a user|it was))",
    ),
    (
        "end_it",
        Category.SUICIDE,
        0.8,
        False,
        r"\b(?:want to|going to|just|gonna|ready to|could|should|will|plan to|thinking about|think about|finally|im|i am|"
        r"about to|decided to|deciding to) "
        r"(?:(?:end|ending) (?:it|everything|things)(?: all)?\b(?! with| between| off)|(?:end|ending) this(?= *(?:$|[.,!?]|now|tonight|"
        r"for good|pain|life|misery|once and)))",
    ),
    # Asking how to die without pain is asking for oneself; never a topic or a quiz.
    (
        "painless_way",
        Category.SUICIDE,
        0.85,
        False,
        r"\b(?:painless|painlessly|quickest|easiest|fastest|least painful|most peaceful) (?:way|ways|method|methods) "
        r"(?:to (?:die|go|end it|end my life|kill myself|do it)|of (?:suicide|dying|killing myself|ending it))\b",
    ),
    (
        "want_die",
        Category.SUICIDE,
        0.85,
        False,
        r"\b(?:want|wants|wanted|wanting|wish|wishes|wishing|ready|going|plan|planning|thinking about|think about|deserve|hope|"
        r"need|would rather|id rather|praying) (?:to |i could |i would |i )?(?:die|be dead|not be alive|not exist|"
        r"stop existing|not wake up|go to sleep forever|sleep forever|disappear forever|not be here|be gone|"
        r"just disappear|dying)\b",
    ),
    (
        "catch_bus",
        Category.SUICIDE,
        0.7,
        False,
        r"\b(?:thinking about|think about|want to|wanna|going to|gonna|ready to|about to|might|should|time to) (?:catch|catching) "
        r"the bus\b(?! (?:to|home|at|from|downtown|into|back|in|because|so|with|after|before|instead|or)\b)",
    ),
    (
        "die_now",
        Category.SUICIDE,
        0.8,
        False,
        r"\b(?:let me die|i could just die tonight|time to die|ready to go|free to (?:finally )?die|finally (?:die|be dead))\b",
    ),
    (
        "no_live",
        Category.SUICIDE,
        0.85,
        False,
        r"\b(?:dont|do not|no longer|cant|cannot|can not) (?:want to |wish to |feel like i can |)(?:live|be alive|continue living|continue on|"
        r"exist|wake up|keep living|keep going|go on|be here)(?: anymore| any more| tomorrow)?\b"
        r"(?! like (?:this|that)| this way| that way| in (?:fear|shame|active)| without| with)|"
        r"\b(?:dont know|not sure) how (?:much )?(?:longer|long) i can (?:go on|keep going|do this|hold on|take (?:it|this)|last)\b|"
        r"\b(?:dont know if|not sure if|not sure) i (?:want to|can|even want to) (?:live|be alive|keep going|go on|stay alive|do this)"
        r"(?: anymore| any more| much longer)?\b|\bnothing (?:left )?to live for\b|\bno reason (?:left )?to (?:live|stay|keep going)\b",
    ),
    (
        "see_no_point",
        Category.SUICIDE,
        0.7,
        False,
        r"\b(?:dont|do not|cant|cannot|no longer) see (?:the|a|any) point (?:anymore|any more|of anything|in anything|in trying)\b|"
        r"\bwhats the point (?:anymore|of anything|of me|of even trying)\b|\bnothing matters anymore\b",
    ),
    (
        "no_point",
        Category.SUICIDE,
        0.75,
        False,
        r"\b(?:my )?life has no (?:meaning|point|purpose)\b|"
        r"\b(?:no|whats the|what is the|dont see the|dont see a|cant see the|there is no|theres no|lost all) "
        r"(?:point|reason|purpose|use)(?: in| to| of| for)? (?:living|life|live|being alive|being here|going on|"
        r"anything|any of (?:it|this)|me being here|carrying on|trying|staying)\b",
    ),
    (
        "not_worth",
        Category.SUICIDE,
        0.8,
        False,
        r"\b(?:life|living|my life|it) (?:is not|isnt|aint|not) worth (?:living|it anymore)\b|"
        r"\b(?:really|even|still|truly) worth (?:living|living for|staying alive|being alive)\b|"
        r"\b(?:is|isnt) (?:my )?life (?:\w+ ){0,2}?worth (?:living|it)\b",
    ),
    (
        "better_off",
        Category.SUICIDE,
        0.9,
        False,
        rf"\b(?:better off|happier|easier|lighter) (?:without me|if i (?:was|were|wasnt|werent) (?:gone|dead|here|around|alive)|"
        rf"when im gone|once im gone|with me gone)\b|\b{_PEOPLE} (?:would|will) be better off\b|"
        r"\b(?:theyll|they will|theyd|they would|everyone(?:ll| will| would)|everybody(?:ll| will| would)|my family(?:ll| will| "
        r"would)|people(?:ll| will| would)|hell|she will|shell|he will) (?:all )?(?:honestly )?be (?:so )?relieved"
        r"(?! (?:that|to|about|the|when the|if the))\b",
    ),
    (
        "burden",
        Category.SUICIDE,
        0.7,
        False,
        rf"\b(?:im|i am|being|just) (?:a |such a |nothing but a )?burden\b|\bburden (?:to|on) {_PEOPLE}\b",
    ),
    (
        "nobody_miss",
        Category.SUICIDE,
        0.8,
        False,
        r"\b(?:no one|nobody|no body|noone) (?:would|will|is going to|going to|gonna) (?:miss me|notice|care|even notice)"
        r"(?: if i (?:was|were|died|disappeared|left|was gone))?\b",
    ),
    (
        "affairs",
        Category.SUICIDE,
        0.85,
        False,
        r"\b(?:put|putting|get|getting|got|have|sorted) (?:all )?my (?:affairs|things|stuff|papers) in order\b|"
        r"\b(?:giving|gave|give) away (?:all )?(?:of )?my (?:\w+ )?(?:stuff|things|belongings|stuff away|dog|cat|guitar|bike|"
        r"clothes|records|vinyl|books|games|tools|collection|car|jewelry|plants)\b|"
        r"\b(?:sold|gave away|giving away|canceled|cancelled|gave|returned|paid off)\b.{0,80}\b(?:weirdly|strangely|finally|oddly|"
        r"so|kinda|really) (?:peaceful|calm|at peace|light)\b|"
        r"\b(?:wrote|writing|written|left) (?:a|my|the) (?:note|letter|goodbye|will)(?! to my sponsor)\b|"
        r"\b(?:suicide|goodbye) (?:note|letter|video)\b|\b(?:wrote|write|writing|planned|planning|written) (?:out )?my last "
        r"(?:day|days|week|words)\b(?! (?:at|of|in|on|before) (?:work|the job|my job|school|the office|rehab|detox|treatment|iop|"
        r"the program|vacation|holiday))|\b(?:wrote|writing|written|left|leaving|finished) (?:\w+ ){0,2}?"
        r"(?:notes|letters|goodbyes|goodbye letters|goodbye notes) (?:for|to) (?:my |the |everyone|everybody|each|all)",
    ),
    (
        "exhaust",
        Category.SUICIDE,
        0.9,
        True,
        r"\b(?:engine|car|motor) (?:\w+ ){0,3}?running (?:\w+ ){0,4}?(?:garage|door shut|doors shut|closed)\b|"
        r"\b(?:in|inside) the (?:closed |shut )?garage (?:\w+ ){0,5}?(?:engine|car|motor) (?:\w+ ){0,2}?(?:running|on)\b",
    ),
    (
        "goodbye",
        Category.SUICIDE,
        0.85,
        True,
        r"\b(?:last message from me|(?:deleting|deleted|delete) (?:all )?(?:of )?my accounts|(?:it was|its been) (?:good|nice|an honou?r) "
        r"knowing (?:you|yall|everyone|you all|all of you)|look after my (?:cat|dog|kids|pets?) if (?:anything|something) happens|this is (?:my )?(?:goodbye|last (?:message|post|night))|saying goodbye (?:to (?:everyone|you all|all of you)|"
        r"for good|forever)|goodbye (?:everyone|everybody|all|forever|world|cruel world)|bye (?:everyone|forever|world)|"
        r"(?:my )?last (?:message|post|night alive|day alive|goodbye)(?! (?:got|was|wasnt|is|isnt|about|where|here|on|in|i|that|you|"
        r"which|has|had|did|was about|from|ago|week|month|year))|(?:saying|said|say) my goodbyes|wont be (?:here|around|alive) (?:tomorrow|much longer|"
        r"by morning|for long|anymore)|(?:if|when) (?:im not|i am not|im no longer) here tomorrow|"
        r"see you (?:all )?on the other side|thank you for everything and goodbye|take care of my (?:dog|cat|kids)|"
        r"say (?:bye|goodbye|goodbyes) to (?:someone|somebody|anyone|you all|yall)|"
        r"(?:not|never|wont be|im not) (?:planning on |planning to be |going to be |gonna be )?coming back)\b",
    ),
    (
        "no_way_out",
        Category.SUICIDE,
        0.75,
        False,
        r"\b(?:no way out|only way out|one way out|easy way out|permanent solution|cant take (?:it|this|the pain) anymore|"
        r"cant do (?:this|it|life) anymore|cant keep (?:doing this|going|living)|"
        r"tired of (?:living|being alive|existing|life|waking up|fighting)|done with (?:life|living|everything|it all|"
        rf"this life|being alive)|(?:im|i am) done\b(?! with (?:work|my shift|the|{_SUBSTANCE_NAMES}|using|drinking|it for|"
        r"that|this (?:shit|stuff|drug|habit|life style|lifestyle))| for the day| for good with)|"
        r"give up on (?:life|everything|living)|want (?:it all|everything|the pain|it) to (?:end|stop|be over)(?: forever)?|"
        r"(?:dont|do not|cant) see (?:any )?(?:other|another) (?:option|way out|way)|(?:dont|do not|cant) see (?:a|any) way out|"
        r"(?:brave|strong) enough to (?:end it|do it|kill myself|go through with it)|(?:the )?(?:guts|courage|nerve) to "
        r"(?:end it|kill myself|go through with it|end my life|(?:just )?follow through)|"
        r"(?:close to|about to|going to|want to|ready to) (?:put|putting) (?:a stop|an end) to (?:it|everything|my life|this|myself))\b",
    ),
    (
        "wish_never",
        Category.SUICIDE,
        0.8,
        False,
        r"\b(?:wish i (?:was|were|had) (?:dead|never born|not born|never been born|not alive|not here|gone)|"
        r"wish i (?:wouldnt|didnt|dont) wake up|hope i (?:dont|do not|never) wake up|disappointed (?:that )?i (?:woke|wake) up|"
        r"(?:go to sleep|sleep) and (?:not|never) wake up|never wake up again)\b",
    ),
    (
        "means",
        Category.SUICIDE,
        0.85,
        True,
        r"\b(?:rope|noose|bridge|ledge|rooftop|roof|train tracks|tracks|gun|pistol|razor|blade)s? "
        r"(?:is |are )?(?:ready|waiting|in my (?:hand|hands|car|pocket|bag)|in front of me|next to me|right here|tonight)\b|"
        r"\b(?:(?:have|got|bought|holding|saved up|stockpiled|stockpiling|saving up|counted out|counting) (?:all |enough |the |my )?"
        r"(?:pills|meds|rope|gun|pistol|bullets)(?: saved| ready| lined up| counted| in front of me| in my hand)?)\b(?! for (?:my|the) (?:pain|doctor|back|headache))|"
        r"\b(?:pills|meds) (?:are )?(?:in front of me|lined up|counted out|in my hand|ready)\b|"
        r"(?<!\bhe )(?<!\bshe )(?<!\bthey )(?<!\bhe just )(?<!\bshe just )\b(?:put|putting|hold|holding|held|point|pointed|"
        r"pointing|press|pressed) (?:(?:the|my|a) (?:gun|pistol|barrel)|it|that) (?:to|against|under) my (?:head|temple|chin|"
        r"mouth)\b|"
        r"\b(?:standing|sitting|up) on (?:the|a) (?:bridge|ledge|roof|edge)\b|"
        r"\bjump(?:ing)? (?:off|from) (?:a|the|my|this|that|our) (?:\w+ )?(?:bridge|roof|building|cliff|ledge|balcony|overpass|"
        r"window|tower|parking garage|platform)\b|\b(?:jump|jumping|step|stepping|throw myself) (?:off|in front of) (?:a|the) "
        r"(?:train|bus|truck|car|subway|platform|tracks)\b|\b(?:thinking|think) about (?:jumping|stepping|driving) (?:off|into|in front)\b|"
        r"\b(?:get|got|buy|bought|tie|tied|tying|find|found) (?:a |the |some )?(?:rope|noose)\b|"
        r"\b(?:rope|noose|gun|pistol|pills|meds) (?:is |are )?(?:in|under) my (?:closet|room|car|drawer|bag|pocket|bed|trunk)\b|"
        r"\bknow where (?:the|his|her|my \w+s?|their) (?:gun|key|pills|meds|rope) (?:is|are)\b|"
        r"\b(?:drive|driving|go|going|walk|walking|head|heading) (?:out )?to the (?:bridge|cliff|tracks|roof)\b|"
        r"\b(?:looking|staring|keep looking|keep staring) at the (?:train tracks|tracks|bridge|ledge|rope|noose|gun|bottle of pills|"
        r"pills)\b|\b(?:googling|googled|looking up|looked up|researching|researched) how (?:high|tall|far down|deep)\b|"
        r"\b(?:googling|googled|looking up|looked up|researching|researched) how (?:many|much) (?:\w+ ){0,5}?"
        r"(?:it would take|to take|would kill|to die|is lethal|lethal)\b|\b(?:knife|blade|razor) (?:to|on|against) my "
        r"(?:wrist|wrists|throat|neck)\b|\b(?:pistol|gun) (?:that|to|which) (?:can|will|would|could) (?:end|kill) me\b",
    ),
    (
        "have_plan",
        Category.SUICIDE,
        0.8,
        False,
        r"\b(?:have|got|made|making) a plan(?: to| for| and)?(?! for (?:the|my|tomorrow|sobriety|recovery|the week|today))\b"
        r"(?= (?:to (?:do it|end it|end things|end my|die|kill)|and (?:a|the) (?:date|time|way))| ?$)|\b(?:know|picked|chose) (?:how|when|the date) (?:ill|i will|im going to) do it\b",
    ),
    (
        "go_for_good",
        Category.SUICIDE,
        0.8,
        False,
        r"\b(?:go|going|finally|to) through with it\b|\b(?:this is|its|it is) the end (?:for me|of me|of the road for me)\b|"
        r"\b(?:go|gone|leave|leaving|leave this world|check out|checking out|be gone|dip|dipping|log off|exit) for good\b|\bleave this world\b|"
        r"\b(?:dip|dipping|check out|checking out|exit|exiting|log off|logging off) (?:from|of) (?:life|this world|this life)\b|"
        r"\b(?:for|about|over) what (?:im|i am) (?:about to|going to|gonna) do\b|"
        r"\bbefore i go for good\b|\bplanning (?:my|how to) (?:exit|death|suicide|funeral|do it)\b|\bmy last words\b|"
        r"\b(?:stop|quit) being alive\b|\b(?:id|i would) rather be dead\b|\btime for me to go\b|\bwant my life to be over\b|"
        r"\bhad enough of (?:being alive|life|living)\b|\b(?:today|tonight|this) (?:may|might|will|could|is going to) be my last\b|"
        r"\b(?:dying|death|being dead) (?:would|will|could) (?:fix|solve|end) (?:everything|all of this|it all|my problems)\b|"
        r"\b(?:dying|death) (?:fixes|solves) (?:everything|it all)\b|\bnot (?:be |going to be )?(?:here|around) (?:next week|by (?:the )?(?:weekend|morning|monday)|much longer)\b",
    ),
    (
        "no_future",
        Category.SUICIDE,
        0.8,
        False,
        r"\b(?:wont|will not|not going to|not gonna) make (?:it )?(?:to )?(?:\d+|twenty|thirty|forty|christmas|new year|"
        r"my birthday|the weekend|next week|next year)\b(?! (?:meeting|group|class|practice|because|bc|cuz))|"
        r"\b(?:tonight|today|now) (?:seems|is|feels) as good as any\b|\b(?:tonight|today) (?:the|my) (?:thread|rope|last thread) "
        r"(?:snaps|breaks)\b|\b(?:tonight|today) (?:it|everything|it all) (?:ends|stops|is over)\b",
    ),
    (
        "disappear",
        Category.SUICIDE,
        0.6,
        False,
        r"\b(?:want|wish|need) to (?:disappear|vanish|fade away|not wake up|stop existing|sleep and never)\b",
    ),
    (
        "wont_matter",
        Category.SUICIDE,
        0.7,
        False,
        r"\b(?:soon (?:it|none of this|nothing) (?:wont|will not|will) matter|(?:wont|will not|dont) have to deal with me "
        r"(?:much longer|anymore|for long)|(?:i )?wont be a problem (?:much longer|anymore|for long)|"
        r"(?:you|they|everyone) (?:wont|will not) (?:have to )?(?:see|hear from|worry about) me (?:again|anymore|much longer)|"
        r"(?:after|by) tonight (?:it|nothing|none of this) (?:wont|will not|will) matter|everything will be over soon|"
        r"(?:dont|do not|no need to|nobody needs to) worry about me (?:after|anymore|any more|once|ever again|after tonight))\b",
    ),
    # --- self-harm
    (
        "self_harm",
        Category.SELF_HARM,
        0.85,
        False,
        r"\b(?:cut|cutting|cuts|burn|burning|burnt|burned|hurt|hurting|harm|harming|scratch|scratching|scratched|carve|carving|"
        r"carved|hit|"
        r"hitting|punch|punching|bash|bashing|bang|banging|starve|starving|bruise|bruising|slice|slicing|sliced) "
        r"(?:my ?self|my (?:arm|arms|wrist|wrists|legs?|thighs?|skin|stomach|hands?|head|body|face))\b(?! by accident)|"
        r"\b(?:going to|want to|about to|need to|will|have to) (?:cut|burn|hurt|slice)(?: myself)? (?:tonight|again|now|today)\b|"
        r"\b(?:till|til|until) (?:it|they|i|my \w+) (?:bled|bleed|bleeds|bleeding|bruised|bruise)\b",
    ),
    (
        "self_harm_word",
        Category.SELF_HARM,
        0.8,
        False,
        r"\bself (?:harm|harming|injury|injure|injuring|hate cutting)\b|\b(?:relapsed|relapse|relapsing|clean from|"
        r"urges? to|urge for|want to) (?:on )?(?:sh|cutting|self harm|harming)\b|\bsh urges?\b|\burges? to (?:cut|burn|hurt)\b",
    ),
    (
        "blade",
        Category.SELF_HARM,
        0.75,
        False,
        r"\b(?:the |a |my )?(?:blade|razor|razors|blades|sharpener)s? (?:again|out|back out|in my hand|is calling|ready)\b|"
        r"\b(?:picked|pick|picking|took|take|taking|get|got|getting) (?:up |out )?(?:the |a |my )(?:blade|razor|lighter to my)"
        r"(?! to shave)\b|\bdeserve (?:the |this )?pain\b|\b(?:want|need) to (?:bleed|feel (?:pain|the pain|something physical))\b|"
        r"\b(?:fresh|new|deep) (?:cuts|wounds|scars)\b|\b(?:cutting|hurting myself) again\b|"
        r"\b(?:cuts|burns|wounds) (?:on (?:my )?\w+ )?(?:are |is |look |looks |got |getting |keep )?(?:infected|bleeding|"
        r"reopening|opening up|not healing|still bleeding|(?:pretty |really |so |too |very )?deep|bad)\b|"
        r"\bi (?:just |still |only |now )?cut(?: again| today| tonight| myself)?(?= *(?:[.,!?]|$|and |now|again|every|\d+x))|"
        r"\b(?:need|needs|needed|prob need|probably need) stitches\b|\b(?:pulled|ripped|tore|pull|rip) (?:my |the )?stitches out\b|"
        r"\bcarve (?:\w+ ){0,4}?into my (?:skin|arm|arms|leg|legs|wrist|thigh|stomach)\b|\b(?:cuts|burns) (?:on|across|all over|up) my (?:arm|arms|wrist|"
        r"wrists|thigh|thighs|legs?|stomach|hips?|body)\b",
    ),
    # --- overdose
    (
        "overdose_word",
        Category.OVERDOSE,
        0.85,
        False,
        r"\b(?:overdose|overdosed|overdosing|overdoses|od|oded)\b(?! awareness| prevention| training)",
    ),
    (
        "took_too_much",
        Category.OVERDOSE,
        0.9,
        True,
        r"\b(?:took|taken|take|takin|swallowed|snorted|shot|used|drank|downed) (?:way |far |a lot |a little |a bit )?"
        r"(?:too (?:much|many)(?! (?:time|faith|food|of a|money|credit|pride|on|upon|effort|energy|coffee|caffeine|sugar))|more than (?:usual|i should|i meant|i ever have|normal)|the whole (?:bottle|pack|box|thing|script)|"
        r"(?:a |the )?(?:whole|entire) (?:bottle|pack|box|strip|bag|script)|(?:a |two |three )?(?:handful|handfuls|bunch|fistful|lot) of "
        r"(?:pills|xanax|benzos|oxy|meds|percocet|tablets|sleeping pills|them))\b|"
        r"\b(?:took|did|used|had|snorted|shot) (?:way |a lot |so much |far )?more (?:\w+ )?than (?:i|im|usual|prescribed|i should|"
        r"i was supposed|im supposed|ever)\b|\b(?:swallowed|downed) (?:all|the rest) (?:of )?(?:my|the) \w+\b|"
        r"\b(?:took|popped|ate) (?:all|the rest) (?:of )?(?:my|the|those|these) (?:\w+ )?(?:pills|meds|medication|medicine|"
        r"tablets|capsules|painkillers|pain killers|sleeping pills|sleepers|prescription|script)\b|"
        r"\b(?:have taken|taken|took|swallowed) all (?:of )?(?:the|my) (?:tablets|pills|meds|medication|capsules)\b",
    ),
    (
        "took_many",
        Category.OVERDOSE,
        0.8,
        True,
        r"\b(?:took|swallowed|popped|ate|did|downed) (?:like |about |maybe |around |at least |)(?:[5-9]|\d{2}|five|six|seven|eight|"
        r"nine|ten|twelve|fifteen|twenty|a dozen) (?:of (?:em|them|those|these|my|the)|pills|tabs|bars|percs|xans|benzos|"
        r"sleeping pills|tablets|xanax|percocet|oxys?|norcos?|vicodin|tylenol|advil|ibuprofen|klonopin|valium|ativan|"
        r"ambien|seroquel|lithium|sertraline|zoloft|prozac|gabapentin|tramadol|roxys?|roxies|blues|m30s|subs|suboxone)\b",
    ),
    (
        "not_breathing",
        Category.OVERDOSE,
        0.95,
        True,
        rf"\b(?:{_PARTNER}|my (?:friend|buddy|mate|cousin|roommate)|(?:this|a) (?:guy|girl|person|dude)|someone|somebody|he|she|they) "
        r"(?:is |isnt |are |arent |is not |are not |was |)?(?:not breathing|barely breathing|isnt breathing|wont wake up|foaming at the mouth|"
        r"cant be woken|unresponsive|turning blue|going blue|lips are blue|blue lips|snoring weird|gurgling|passed out and wont)\b|"
        r"\b(?:cant|can not|cannot) wake (?:him|her|them|my \w+|my friend) up\b|"
        r"\b(?:hes|shes|theyre|he is|she is|they are) (?:gurgling|snoring weird|turning blue|going blue|unresponsive|"
        r"not breathing|barely breathing|going under again|nodding (?:out )?again|fading again|slipping again)\b|"
        r"\bfoaming at the mouth\b|\beyes (?:are |r )?(?:rolled|rolling) back\b|\bbreathing but (?:barely|slow|weird|shallow)\b|\b(?:slow|shallow) breathing\b|"
        r"\bbreathing (?:is |so )?(?:slow|shallow)\b|\bpupils (?:are )?pinned\b.{0,40}\b(?:wont|cant|not) (?:answer|respond|wake)\b|\b(?:narcan|naloxone) (?:brought|got) (?:him|her|them|me) back\b|\b(?:lips|face|fingers) (?:are |is |turning |went |going )?"
        r"(?:blue|purple|grey|gray)\b|\bnot breathing\b|\bstopped breathing\b|\bunresponsive\b",
    ),
    (
        "naloxone_now",
        Category.OVERDOSE,
        0.9,
        True,
        r"\b(?:need|needs|get|where is|wheres|gave|give|giving|used|use|do i|should i) (?:some |the |a |my )?(?:narcan|naloxone)\b"
        r"(?! training| kit at the| class)",
    ),
    (
        "bad_batch",
        Category.OVERDOSE,
        0.7,
        False,
        r"\b(?:fentanyl|fent|tranq|xylazine) (?:in|laced|cut)\b|\blaced with\b|\bbad batch\b|\b(?:batch|bag|stuff|pack|it) "
        r"(?:has|got|is cut with|is laced with|has got) (?:fent|fentanyl|tranq|xylazine|carfentanil)\b|"
        r"\b(?:use|do|take|shoot|smoke) as much as (?:i can|possible|i want)\b|\b(?:benzos|xanax|bars|pills|downers|opiates|dope) "
        r"and (?:alcohol|booze|drinking|vodka|liquor|beer) (?:tonight|now|right now)\b|\b(?:alcohol|booze|drinking|vodka|liquor) and "
        r"(?:benzos|xanax|bars|pills|downers|opiates|dope) (?:tonight|now|right now)\b|"
        r"\bswallowed (?:everything|all|what was) (?:in|from) my (?:medicine cabinet|cabinet|drawer|pill box|meds)\b|\b(?:mixed|mixing|combined|combining) "
        rf"(?:\w+ )?{_SUBSTANCE} (?:with|and) {_SUBSTANCE}\b|\bdont know (?:how much|what) i (?:took|took tonight|just took|did)\b",
    ),
    (
        "old_dose",
        Category.OVERDOSE,
        0.85,
        False,
        r"\b(?:clean|sober|relapsed|used|picked up|first time in|off it|off them)\b.{0,60}\b(?:took|did|used|had|shot|snorted|"
        r"drank|go back to|going back to) (?:my |the |what was my )?(?:old|usual|normal|same|regular) (?:amount|dose|dosage)\b",
    ),
    (
        "mixed_sedatives",
        Category.OVERDOSE,
        0.85,
        True,
        rf"\b{_DRANK}\b.{{0,50}}\b{_SEDATED}\b|\b{_SEDATED}\b.{{0,50}}\b{_DRANK}\b",
    ),
    # --- relapse danger (intent to use now, giving up, high-risk use)
    (
        "use_tonight",
        Category.RELAPSE,
        0.75,
        False,
        rf"\b(?:going to|about to|gonna|want to|will|plan to|planning to|ready to|need to|decided to|im going to) "
        rf"{_USE}\b(?: (?:\w+ ){{0,3}}?(?:tonight|right now|now|today|again|after (?:work|this)|this weekend))",
    ),
    (
        "use_dont_care",
        Category.RELAPSE,
        0.85,
        False,
        rf"\b(?:dont care|do not care|idc|dont even care) (?:anymore |about anything )?(?:what happens|if i die|if i wake up|"
        rf"if i (?:overdose|od)|about my (?:sobriety|recovery|clean time)|about staying (?:sober|clean))\b|"
        rf"\b(?:fuck|screw|forget) (?:it|this|sobriety|recovery)\b.{{0,40}}\b{_USE}\b|"
        rf"\b{_USE}\b.{{0,40}}\b(?:dont care|do not care) (?:anymore|what happens|if)\b",
    ),
    (
        "dealer",
        Category.RELAPSE,
        0.8,
        False,
        r"\b(?:call|calling|called|text|texting|texted|message|messaged|hit up|hitting up|meet|meeting|waiting for|waiting on|"
        r"drive to|driving to|going to|on my way to|outside) (?:my |the |an |)(?:old )?(?:dealer|plug|connect|guy)(?:s)?\b"
        r"(?! to (?:delete|block))|\b(?:to|at|toward|towards|outside|near) my old (?:spot|corner|block|trap|bar|dope spot)\b"
        r"(?=.{0,30}\b(?:now|tonight|right now|rn|on my way|in an? (?:uber|lyft|cab|taxi)))|"
        r"\b(?:walking|driving|headed|heading|going|on my way|in an? (?:uber|lyft|cab|taxi)) (?:\w+ ){0,2}?to my old "
        r"(?:spot|corner|block|trap|dope spot)\b|\b(?:dealers|dealer|plugs|plug|connect) (?:number|on the way|is coming|is outside|"
        r"is on (?:his|her|their|the) way|is here|just (?:texted|called|pulled up))\b|\brelapsing (?:tonight|today|right now|now)\b|"
        r"\b(?:found|have|holding|got) (?:a|the|his|her|their|my \w+s) stash\b|\bliquor store (?:parking lot|lot)\b|"
        r"\b(?:going to|gonna|about to|want to) (?:go )?(?:get|getting) (?:high|drunk|wasted|loaded|fucked up)\b"
        r"(?=.{0,40}\b(?:tonight|now|dont care|so be it|whatever happens|dont come back|again))",
    ),
    (
        "holding",
        Category.RELAPSE,
        0.8,
        False,
        rf"\b(?:have|got|bought|holding|picked up|sitting with|staring at|looking at|poured|opened) (?:a |the |some |my |an |)"
        rf"(?:bottle|bag|baggie|stash|pills|gram|fifth|pint|handle|drink|point|shot)s?(?: of \w+)? "
        rf"(?:in front of me|right here|in my hand|on the table|next to me|in my car|ready|open|poured)\b|"
        rf"\b(?:in front of me|in my hand|on the table|right here)\b.{{0,30}}\b{_SUBSTANCE}\b",
    ),
    (
        "using_now",
        Category.RELAPSE,
        0.75,
        False,
        r"\b(?:im|i am) (?:getting high|drinking|using|getting drunk|getting wasted|getting loaded|picking up|shooting up|"
        r"going to get some|on my way to get some|going back out)\b(?: (?:\w+ ){0,3}?(?:tonight|right now|now|today|again|"
        r"and (?:i )?dont (?:care|want (?:help|to stop))|nobody can stop me))|\b(?:drinking|using|high) (?:\w+ ){0,3}?"
        r"(?:and|but) (?:i )?dont want (?:help|to stop)\b|\bdone (?:trying to stay|staying|being) (?:clean|sober)\b",
    ),
    (
        "cant_stop",
        Category.RELAPSE,
        0.7,
        False,
        r"\b(?:cant|can not|cannot) stop (?:using|drinking|shooting|smoking|taking)\b(?! (?:the|my phone|it as|water|coffee))|\b(?:on a|going on a|been on a) "
        r"(?:bender|binge|run|spree)\b|\b(?:spiraling|spiralling|spiral) (?:again|out|back|hard|down)\b|"
        r"\b(?:relapsing|using|drinking) (?:again|every day|all day|nonstop|non stop) and (?:cant|can not|i cant|im scared|"
        r"dont care|i dont care|its bad|getting worse)\b",
    ),
    # A slip told with shame, just now: the danger is the shame (and a lost tolerance), met with the
    # drugs-and-alcohol line and a person, never a suicide line the member did not ask about.
    (
        "relapsed_shame",
        Category.RELAPSE,
        0.6,
        False,
        rf"\b{_RELAPSED}\b.{{0,80}}\b{_SHAME}\b|\b{_SHAME}\b.{{0,60}}\b{_RELAPSED}\b",
    ),
    (
        "tolerance",
        Category.RELAPSE,
        0.85,
        False,
        r"\b(?:tolerance is (?:gone|down|low|zero)|lost my tolerance|no tolerance)\b|\b(?:first|1st) (?:time|hit|shot|drink|use|"
        r"line) in (?:\d+|a|two|three|four|five|six|many|so many) (?:years|months|long)\b.{0,40}\b(?:tonight|now|going to|about to)\b|"
        r"\bin (?:a|\d+|over a|two|three|six|nine|many) (?:years?|months?)\b.{0,40}\b(?:hit (?:me )?(?:hard|different)|knock me out|"
        r"take me out|be too much)\b",
    ),
    # --- medical emergency (often withdrawal)
    (
        "seizure",
        Category.MEDICAL,
        0.9,
        True,
        r"\b(?:having|just had|keeps having|started having|is having|another|think im having|going to have|about to have) "
        r"(?:a )?(?:seizure|seizures|fit|fits)\b|\b(?:seizing|convulsing|convulsions)\b|"
        r"\b(?:had|having) (?:a |two |three |\d+ |another |several )?(?:seizure|seizures) (?:today|tonight|this morning|last night|"
        r"an hour ago|earlier)\b",
    ),
    (
        "seizure_past",
        Category.MEDICAL,
        0.65,
        False,
        r"\b(?:had|have had) (?:a )?(?:seizure|seizures|fit|fits)\b",
    ),
    (
        "dts",
        Category.MEDICAL,
        0.85,
        True,
        rf"\b(?:dts|delirium tremens|the dts)\b|\b{_DANGER_SIGNS}\b.{{0,60}}\b{_STOPPED}\b|"
        rf"\b{_STOPPED}\b.{{0,60}}\b{_DANGER_SIGNS}\b|"
        rf"\b{_WITHDRAWAL_SIGNS}\b.{{0,60}}\b{_STOPPED_SEDATIVE}\b|\b{_STOPPED_SEDATIVE}\b.{{0,60}}\b{_WITHDRAWAL_SIGNS}\b",
    ),
    (
        "chest",
        Category.MEDICAL,
        0.85,
        True,
        r"\b(?:chest (?:pain|pains|hurts|is tight|feels tight|is crushing|tightness)(?! (?:you|them|him|her|me|us|people|everyone|others|"
        r"anyone|someone|somebody|my|your|their|his|our))|heart (?:is |keeps )?(?:racing|pounding|"
        r"skipping|beating (?:so |really )?(?:fast|weird|hard))|(?:cant|can not|cannot|hard to|struggling to|trouble) breathe|"
        r"(?:throwing|throw|coughing|cough|puking|vomiting|pooping|peeing) (?:up )?blood|blood in my (?:vomit|stool|pee)|"
        r"(?:skin|eyes) (?:are |is |turning |went )?(?:yellow)|(?:passed|pass|blacked|black|fainted) out (?:and|again|twice)|"
        r"(?:my )?(?:left arm|arm) (?:is |went )?numb|cant feel my (?:legs|arms|face))\b",
    ),
    (
        "infection",
        Category.MEDICAL,
        0.75,
        False,
        r"\b(?:abscess|abscesses|red streaks?|sepsis|septic|fever (?:of|is|at|hit) 10[2-6]|10[3-6] fever|"
        r"(?:injection site|track marks?|where i shot|my arm) (?:is |are |looks |look |got )?(?:infected|swollen|hot|black))\b|"
        r"\b(?:cant|can not|cannot|havent been able to) keep (?:water|anything|food|fluids|liquids) down (?:for |in )?(?:\d+|two|"
        r"three|four|five|a few|several) days\b|\b(?:pee|urine) is (?:dark brown|brown|black)\b",
    ),
    (
        "cold_turkey_danger",
        Category.MEDICAL,
        0.7,
        False,
        r"\b(?:cold turkey|stopped|quit|quitting|coming off|came off) (?:off |from |on )?(?:the )?(?:benzos|xanax|klonopin|valium|"
        r"alcohol|drinking|booze)\b.{0,50}\b(?:shaking|hallucinating|seizure|heart racing|heart pounding|scared|jerking|twitching)\b",
    ),
    # Ordinary (opioid) withdrawal: miserable, rarely dangerous. A gentle word and the drugs line, never an alarm.
    (
        "withdrawal",
        Category.RELAPSE,
        0.35,
        False,
        rf"\b{_WITHDRAWAL_SIGNS}\b.{{0,60}}\b{_STOPPED}\b|\b{_STOPPED}\b.{{0,60}}\b{_WITHDRAWAL_SIGNS}\b",
    ),
    # --- violence or abuse (to the member, or urges to hurt someone)
    (
        "hit_me",
        Category.VIOLENCE_ABUSE,
        0.9,
        False,
        r"\b(?:put|puts|laid|lays|putting) (?:his|her|their) hands on me\b|\b(?:swinging|swung|lunging|lunged|going) at "
        r"(?:me|my (?:mom|mum|mother|dad|sister|brother|kids?|son|daughter|wife|husband))\b(?= (?:right now|again|now|with)|$| *[.,!?])|\b(?:locked|locks|locking) me (?:in|out)\b|"
        r"\b(?:hell|shell|he will|she will|hes going to|shes going to|theyll|they will) (?:kill|hurt|beat) me\b|"
        r"\bthreatened to (?:burn|kill|hurt|stab|shoot|beat)\b|"
        rf"\b{_PARTNER} (?:just |has |keeps |always |)(?:hit|hits|hitting|beat|beats|beating|choked|chokes|choking|strangled|"
        r"strangles|punched|punches|kicked|kicks|slapped|slaps|shoved|shoves|pushed me down|threw|throws|raped|rapes|assaulted|"
        r"hurt|hurts|grabbed|grabs|locked|locks|threatened|threatens|attacked) (?:me|me again|me last night|me tonight|me in|"
        r"my (?:neck|throat|face|arm)|something at me)\b",
    ),
    (
        "threatens",
        Category.VIOLENCE_ABUSE,
        0.85,
        False,
        rf"\b{_PARTNER} (?:threatened|threatens|keeps threatening|said (?:hell|shell|they will|he will|she will|hed|shed)) "
        r"(?:to )?(?:kill|hurt|beat|stab|shoot|take the kids|end) (?:me|us|my)\b|\b(?:threatened|threatening) (?:me )?with "
        r"(?:a )?(?:knife|gun|weapon)\b|\b(?:has|got|grabbed|pulled) (?:a )?(?:knife|gun) (?:on me|out)\b",
    ),
    (
        "afraid_home",
        Category.VIOLENCE_ABUSE,
        0.8,
        False,
        r"\b(?:outside|at) my (?:door|apartment|house|window|room)\b.{0,40}\b(?:yelling|screaming|banging|pounding|bat|gun|knife|"
        r"threatening|kick (?:it|the door) in)\b|\b(?:banging|pounding) on my (?:door|window)\b|"
        rf"\b(?:scared|afraid|terrified|frightened) (?:to go home|of (?:{_PARTNER.replace('(?:he|she|they|', '(?:')}|him|her)|"
        r"for my (?:life|safety)|hes going to|shes going to|he will|she will|what hell do|what shell do)\b|"
        r"\b(?:not safe|unsafe|dont feel safe|do not feel safe) (?:at home|in my (?:home|house|apartment)|with (?:him|her|my))\b|"
        r"\b(?:wont|will not|doesnt|does not) let me (?:leave|go out|see my|have my phone)\b|\btook my (?:phone|keys|money) "
        r"so i (?:cant|couldnt)\b|\bhiding (?:in|from) (?:the bathroom|my room|him|her)\b",
    ),
    (
        "hurt_other",
        Category.VIOLENCE_ABUSE,
        0.8,
        False,
        r"\b(?:want to|going to|gonna|about to|will|could|im going to|i will|swear i will|swear ill|ready to) "
        r"(?:go |come )?(?:kill|hurt|stab|shoot|beat|strangle|murder|attack|beat up|beat the shit out of|beat the crap out of) "
        r"(?:him|her|them|someone|somebody|my \w+|that \w+|this \w+|his|her|their)\b(?! (?:game|record|score|time|level))",
    ),
    (
        "abuse_word",
        Category.VIOLENCE_ABUSE,
        0.65,
        False,
        r"\b(?:abusing|abuses|abused|raped|molested|assaulted|beaten|beating) me\b|\b(?:being|been|getting|got) "
        r"(?:abused|raped|molested|assaulted|beaten|beat up|hit)\b(?! (?:into|down by|by (?:life|addiction|depression|the))|"
        r" (?:\w+ )?(?:hard|a wall|rock bottom|me))|\b(?:domestic violence|sexual assault)\b|"
        r"\b(?:bruises|black eye|split lip) (?:from|because of) (?:him|her|them|my)\b",
    ),
]

# Each phrase runs only when one of its anchor words is in the message: one regex per phrase, gated by a
# set lookup, is ten times faster than one giant alternation tried at every character.
_ANCHORS: dict[str, str] = {
    "plan_signs": "found picked chose scouted checked tonights tonight today this thank thanks last hold wait waiting date next",
    "use_instead": "tonight now today instead doing about well",
    "hopeless": "hopeless worthless empty burden failure waste matters better change changes hate despise cares care shit "
    "future pointless meaningless worthless worth over disappear vanish existing exist forever die ending dying giving "
    "light notice death",
    "kill_self": "myself",
    "kill_me_wish": "kill hit",
    "suicide_word": "suicide suicidal suicidality",
    "end_life": "it life things everything",
    "end_it": "end ending",
    "painless_way": "painless painlessly quickest easiest fastest least peaceful",
    "want_die": "die dead alive exist existing wake forever here gone disappear dying",
    "die_now": "die go dead",
    "catch_bus": "bus",
    "no_live": "live alive exist wake living going go here longer long continue",
    "no_point": "point reason purpose use meaning",
    "see_no_point": "point anymore",
    "not_worth": "worth",
    "better_off": "better happier easier lighter relieved",
    "burden": "burden",
    "nobody_miss": "one nobody noone body",
    "affairs": "order away note letter goodbye will video notes letters goodbyes peaceful calm peace light last",
    "goodbye": "goodbye bye goodbyes last here around alive side everything care coming accounts knowing happens",
    "no_way_out": "way solution anymore keep tired done give end stop option put putting over brave strong guts courage nerve",
    "wish_never": "wish wake disappointed",
    "means": "head temple chin throat mouth wrist rope noose bridge ledge rooftop roof tracks gun guns pistol razor razors blade blades pills meds bullets edge jump "
    "jumping step stepping throw thinking think where googling googled looking looked researching researched knife",
    "have_plan": "plan do",
    "no_future": "make good thread snaps breaks ends stops over",
    "disappear": "disappear vanish fade wake existing sleep",
    "wont_matter": "matter deal problem again tonight over worry",
    "exhaust": "engine motor garage",
    "old_dose": "amount dose dosage",
    "mixed_sedatives": "pills sleepers xanax bars benzos valium klonopin ativan ambien oxy oxys percs percocet opioids "
    "methadone tramadol gabapentin zannies lean downers",
    "self_harm": "cut cutting cuts burn burning burnt burned hurt hurting harm harming scratch scratching scratched carve carving "
    "carved hit hitting punch punching bash bashing bang banging starve starving bruise bruising slice slicing "
    "sliced till til until",
    "self_harm_word": "self sh cutting urge urges",
    "blade": "blade blades razor razors sharpener lighter pain bleed cuts wounds scars again burns cut stitches carve",
    "overdose_word": "overdose overdosed overdosing overdoses od oded",
    "took_too_much": "too more whole entire handful handfuls bunch fistful lot all rest",
    "took_many": "took swallowed popped ate did downed",
    "not_breathing": "pupils foaming breathing wake unresponsive blue purple grey gray snoring gurgling passed woken under nodding fading slipping rolled rolling narcan naloxone",
    "naloxone_now": "narcan naloxone",
    "bad_batch": "fentanyl laced batch mixed mixing combined combining know tranq xylazine carfentanil much tonight now "
    "swallowed",
    "use_tonight": "tonight now today again after weekend",
    "using_now": "tonight now today again care help stop clean sober",
    "go_for_good": "last fix fixes solve solves through end good world dip dipping check checking exit exiting log logging what planning words alive "
    "dead time over enough here around",
    "use_dont_care": "care fuck screw forget idc",
    "dealer": "dealer dealers plug plugs connect guy guys spot corner block trap relapsing stash liquor high drunk wasted "
    "loaded",
    "holding": "front hand table here next car ready open poured",
    "cant_stop": "stop bender binge run spree spiraling spiralling spiral again",
    "relapsed_shame": "relapsed slipped again out wagon lost threw",
    "tolerance": "tolerance first 1st hit knock take too",
    "seizure": "seizure seizures fit fits seizing convulsing convulsions",
    "seizure_past": "seizure seizures fit fits",
    "dts": "dts delirium withdrawal withdrawals withdrawing detox detoxing turkey stopped quit alcohol drink drinking off coming without",
    "chest": "chest heart breathe blood yellow passed blacked black fainted pass numb feel",
    "infection": "abscess abscesses streak streaks sepsis septic fever infected swollen hot black down pee urine",
    "cold_turkey_danger": "turkey stopped quit quitting coming came",
    "withdrawal": "withdrawal withdrawals withdrawing detox detoxing turkey stopped quit off coming without",
    "hit_me": "hit hits hitting beat beats beating choked chokes choking strangled strangles punched punches kicked kicks "
    "slapped slaps shoved shoves pushed threw throws raped rapes assaulted hurt hurts grabbed grabs locked locks "
    "locking threatened threatens attacked hands kill swinging swung lunging lunged going",
    "threatens": "threatened threatens threatening knife gun",
    "afraid_home": "scared afraid terrified frightened safe unsafe let took hiding door apartment house window room",
    "hurt_other": "kill hurt stab shoot beat strangle murder attack",
    "abuse_word": "me abused raped molested assaulted beaten beat hit violence assault bruises black split",
}

PHRASES: dict[str, Phrase] = {}
COMPILED: list[tuple[Phrase, frozenset[str], re.Pattern[str], bool]] = []
for _name, _cat, _weight, _imminent, _rx in _ENTRIES:
    PHRASES[_name] = Phrase(_name, _cat, _weight, _imminent)
    # Only phrases with a "this ... then that" gap can run across a full stop.
    COMPILED.append((PHRASES[_name], frozenset(_ANCHORS[_name].split()), re.compile(_rx), ".{" in _rx))


def find_phrases(
    normalized: str, tokens: frozenset[str], sentences: list[tuple[int, int, frozenset[str]]] | None = None
) -> list[tuple[Phrase, int, int]]:
    """Every lexicon phrase in the text, as (phrase, start, end) spans.

    With `sentences` ((start, end, words) each), a phrase is looked for only in the sentences that hold
    one of its anchor words (with a neighbour either side for phrases that run across a full stop), so
    a long post costs what its worrying sentences cost, not its length times the number of phrases.
    """
    found: list[tuple[Phrase, int, int]] = []
    where: dict[str, list[int]] = {}
    if sentences is not None and len(sentences) > 3:
        for index, (_, _, words) in enumerate(sentences):
            for word in words:
                where.setdefault(word, []).append(index)
    for phrase, anchors, pattern, spans_sentences in COMPILED:
        if anchors.isdisjoint(tokens):
            continue
        if not where:
            found.extend((phrase, match.start(), match.end()) for match in pattern.finditer(normalized))
            continue
        indices = sorted({index for anchor in anchors for index in where.get(anchor, ())})
        spans = sentences or []  # (`where` is filled only when there are sentences)
        last = len(spans) - 1
        reach = 1 if spans_sentences else 0
        seen: set[int] = set()
        region_start = region_end = -1
        for index in indices:
            start, end = spans[max(index - reach, 0)][0], spans[min(index + reach, last)][1]
            if start <= region_end:
                region_end = max(region_end, end)
                continue
            if region_end >= 0:
                _search(phrase, pattern, normalized, region_start, region_end, seen, found)
            region_start, region_end = start, end
        if region_end >= 0:
            _search(phrase, pattern, normalized, region_start, region_end, seen, found)
    return found


def _search(
    phrase: Phrase,
    pattern: re.Pattern[str],
    text: str,
    start: int,
    end: int,
    seen: set[int],
    found: list[tuple[Phrase, int, int]],
) -> None:
    for match in pattern.finditer(text, start, end):
        if match.start() not in seen:
            seen.add(match.start())
            found.append((phrase, match.start(), match.end()))
