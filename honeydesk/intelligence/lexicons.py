"""Word lists for the tone reader, grouped by the concept each one stands for.

Lists are deliberately broad (many insults, many regulators, many ways of threatening to
leave) because customers phrase the same idea in endless ways; the rules in ``tone.py``
decide *who* a word is aimed at. Entries are regex fragments, matched case-insensitively
on the analysis key (homoglyphs and zero-width characters already removed).
"""

# Regex alternations and message strings read best unbroken.
# ruff: noqa: E501

from __future__ import annotations

import re


def alt(items: list[str] | tuple[str, ...]) -> str:
    """Join fragments into one non-capturing alternation, longest first."""
    return "(?:" + "|".join(sorted(set(items), key=len, reverse=True)) + ")"


# Masked profanity as transcripts write it: f***, f*cking, sh*t, a**hole, b*tch, @#$%.
MASKED = r"(?:\b[fsbdac][\*\#\@\$%!_\-]{1,5}[a-z\*]{0,6}\b|[\#\@\$%&!]{4,})"

# Swear words. Aimed at a thing they mark frustration; aimed at a person, abuse.
PROFANITY = [
    r"f+u+c+k+\w*",
    r"fuk\w*",
    r"fck\w*",
    r"effing",
    r"frick\w*",
    r"frigg\w*",
    r"freaking",
    r"freakin",
    r"shit\w*",
    r"shite",
    r"crap\w*",
    r"damn\w*",
    r"goddamn\w*",
    r"dammit",
    r"bloody",
    r"hell",
    r"piss\w*",
    r"bullshit",
    r"bs",
    r"ass(?:es)?",
    r"arse",
    r"bollocks",
    r"sucks?",
    r"sodding",
    r"wtf",
    MASKED,
]

# Nouns that are insults whoever they describe (rarely used of things).
INSULT_NOUNS = [
    r"idiots?",
    r"morons?",
    r"imbeciles?",
    r"cretins?",
    r"clowns?",
    r"buffoons?",
    r"fools?",
    r"jerks?",
    r"losers?",
    r"dumbass(?:es)?",
    r"dumb-?ass(?:es)?",
    r"jackass(?:es)?",
    r"assholes?",
    r"a\*+holes?",
    r"arseholes?",
    r"bastards?",
    r"scum(?:bags?)?",
    r"slobs?",
    r"liars?",
    r"dimwits?",
    r"halfwits?",
    r"half-wits?",
    r"nitwits?",
    r"numpt(?:y|ies)",
    r"muppets?",
    r"dolts?",
    r"twits?",
    r"twats?",
    r"ignoramus(?:es)?",
    r"parasites?",
    r"vermin",
    r"dunces?",
    r"simpletons?",
    r"bozos?",
    r"doofus(?:es)?",
    r"dumb-?dumbs?",
    r"dipshits?",
    r"dickheads?",
    r"dicks?",
    r"pricks?",
    r"douche(?:bags?)?",
    r"bitch(?:es)?",
    r"b\*+ch(?:es)?",
    r"wankers?",
    r"tossers?",
    r"pigs?",
    r"leeches",
    r"bloodsuckers?",
    r"crooks?",
    r"thieves",
    r"con ?artists?",
    r"drones?",
    r"monkeys?",
    r"robots?",
    r"sheep",
    r"amateurs?",
    r"incompetents?",
    r"lowlifes?",
    r"low-lifes?",
    r"snakes?",
    r"weasels?",
    r"rats?",
    r"cowards?",
    r"hacks?",
    r"pests?",
    r"airheads?",
    r"bimbos?",
    r"knuckleheads?",
    r"meatheads?",
    r"boneheads?",
    r"blockheads?",
    r"nincompoops?",
    r"goons?",
    r"trolls?",
    r"slackers?",
    r"deadbeats?",
    r"retards?",
    r"mouth-?breathers?",
    r"[a-z*]+[- ]for[- ]brains",
    r"numbskulls?",
    r"dingbats?",
    r"plonkers?",
    r"pillocks?",
    r"prats?",
    r"gits?",
    r"dummies",
    r"cows?",
    r"cowboys?",
    r"zombies?",
    r"sheeple",
    r"script[- ]?(?:readers?|monkeys?|robots?|drones?|parrots?)",
    r"(?:pencil|paper)[- ]pushers?",
    r"desk[- ]jockeys?",
    r"(?:phone|call[- ]?cent(?:re|er)|help ?desk) (?:drones?|monkeys?|robots?|jockeys?|zombies?|parrots?)",
    r"waste of (?:space|oxygen|skin|air|a (?:salary|paycheck|human))",
    r"excuse for (?:a |an )?(?:human|person|rep|agent|customer service|employee|company)",
    r"piece of (?:garbage|trash|crap|shit|sh\*+t|s\*+t|work|junk|filth|dirt)",
    r"pieces of (?:garbage|trash|crap|shit|sh\*+t|work|junk)",
    r"bunch of (?:idiots|morons|clowns|amateurs|incompetents|crooks|thieves|liars|monkeys|fools)",
]
# The subset that is an insult even with no "you" in sight ("whoever packed this is a moron").
STRONG_INSULT_NOUNS = [
    n
    for n in INSULT_NOUNS
    if not re.match(
        r"(?:drones|monkeys|robots|sheep|amateurs|incompetents|snakes|weasels|rats|cowards"
        r"|hacks|pests|goons|trolls|slackers|pigs|crooks|thieves|con|leeches|bloodsuckers"
        r"|liars|fools|jerks|losers|dicks|deadbeats|cows|cowboys|zombies|gits|prats|dummies|script|pencil|desk|phone)",
        n,
    )
]

# Adjectives that insult when aimed at a person ("you useless idiot", "are you this dumb").
INSULT_ADJ = [
    r"stupid(?:est)?",
    r"dumb(?:est)?",
    r"useless",
    r"incompetent",
    r"lazy",
    r"pathetic",
    r"worthless",
    r"clueless",
    r"brainless",
    r"brain-? ?dead",
    r"mindless",
    r"spineless",
    r"gutless",
    r"idiotic",
    r"moronic",
    r"ignorant",
    r"illiterate",
    r"inept",
    r"dense",
    r"thick",
    r"daft",
    r"dim",
    r"slow",
    r"retarded",
    r"lying",
    r"deceitful",
    r"dishonest",
    r"crooked",
    r"half-?witted",
    r"pea-?brained",
    r"thick-?headed",
    r"knuckle-?dragging",
    r"good-?for-?nothing",
    r"sorry-?ass",
    r"two-?faced",
    r"rude",
    r"arrogant",
    r"smug",
    r"condescending",
    r"so-called",
    r"incapable",
    r"hopeless",
    r"disgusting",
    r"dumbest",
]

# Adjectives too ambiguous to insult a noun they merely precede ("slow with tech", "a rude
# word filter"); they still count in "you are so slow" and "are you dense".
AMBIGUOUS_ADJ = frozenset(
    {
        r"dense",
        r"thick",
        r"daft",
        r"dim",
        r"slow",
        r"rude",
        r"arrogant",
        r"smug",
        r"condescending",
        r"so-called",
        r"hopeless",
        r"disgusting",
        r"incapable",
        r"ignorant",
    }
)

# Who an insult can be aimed at: the reader and other people (staff, named reps).
PERSON_NOUNS = [
    r"reps?",
    r"representatives?",
    r"agents?",
    r"staff",
    r"people",
    r"employees?",
    r"workers?",
    r"techs?",
    r"technicians?",
    r"installers?",
    r"engineers?",
    r"guys?",
    r"gals?",
    r"man",
    r"men",
    r"woman",
    r"women",
    r"lady",
    r"ladies",
    r"girls?",
    r"boys?",
    r"persons?",
    r"folks?",
    r"operators?",
    r"associates?",
    r"supervisors?",
    r"managers?",
    r"bosses",
    r"boss",
    r"team",
    r"support(?: people| staff| team| agents)?",
    r"call-? ?cent(?:re|er) (?:drones|people|staff|workers|agents|monkeys|robots)",
    r"phone (?:drones|monkeys|robots|jockeys|people)",
    r"drivers?",
    r"sales ?(?:guy|man|person|people|rep|team)s?",
    r"idiots?",
    r"morons?",
    r"clowns?",
    r"drones?",
    r"minions?",
    r"lackeys?",
    r"script[- ]?readers?",
    r"readers?",
    r"lads?",
    r"blokes?",
    r"chaps?",
    r"fellas?",
    r"dudes?",
    r"kids?",
    r"clerks?",
    r"cashiers?",
    r"salespeople",
    r"salesm[ae]n",
    r"(?:call )?handlers?",
    r"call[- ]?takers?",
    r"(?:help ?desk|customer service|call[- ]?cent(?:re|er)) (?:workers?|people|staff|agents?|reps?)",
    r"pushers?",
    r"jockeys?",
]

# Belittling ways to address someone: "listen, sweetheart".
DEMEANING_ADDRESS = [
    "sweetheart",
    "sweetie",
    "sweetie pie",
    "honey",
    "hun",
    "darling",
    "darlin",
    "sugar",
    "babe",
    "baby",
    "missy",
    "princess",
    "sonny",
    "little lady",
    "young lady",
    "little girl",
    "little boy",
    "little man",
    "kiddo",
    "pal",
    "buddy",
    "bud",
    "chief",
    "genius",
    "einstein",
    "smart guy",
    "smartass",
    "toots",
    "boy",
]

# Belittling questions and remarks that insult without an insult word.
DEMEANING = [
    r"(?:are|is) (?:you|he|she|they|all your \w+|your \w+)(?: people| guys| all| lot| lads| two)? "
    r"(?:actually |really |just |even |seriously )?(?:this |that |so |too )?"
    r"(?:stupid|dumb|thick|dense|slow|simple|brain-? ?dead|deaf|illiterate|incompetent|useless)",
    r"(?:anyone|anybody|someone|somebody|one person)(?: there| at your company| in your company)?"
    r" with (?:a|half a|an ounce of|a working|a functioning|a single) (?:brain|clue|brain cell|iq)",
    r"(?:monkey|chimp|child|toddler|kid|dog|cat|hamster|(?:\w+-)?year-old)"
    r" could (?:do|have done|figure|handle|run)",
    r"(?:do|did) (?:you|they) (?:even |actually )?(?:have|own) (?:a )?(?:brain|clue)",
    r"brain cells?",
    r"(?:use|engage|turn on) (?:your|that) (?:brain|head)",
    r"learn (?:how )?to (?:read|listen|count|do your job|spell)",
    r"(?:can|do) (?:you|any of you|anyone there) (?:even |actually )?"
    r"(?:read|understand (?:english|plain english|simple english)|count|do basic math)\b",
    r"do (?:basic|simple) (?:math|arithmetic|addition)",
    r"do your (?:damn |bloody |f\w* )?job(?: for once)?",
    r"what (?:do|are) (?:they|we) pay(?:ing)? you for",
    r"hire(?:d)? (?:you|them|these people) off the street",
    r"get a (?:real |proper )?job",
    r"(?:win|won) the (?:idiot|moron|clown) lottery",
    r"(?:too|this|so) stupid to",
    r"(?:you|you people|you guys|you lot|you all|y'all|your (?:people|staff|reps?|agents?|techs?|team|lot))\b[^.?!]{0,30}\btoo (?:lazy|stupid|dumb|thick|dense|incompetent|useless|brainless|clueless|ignorant|illiterate|inept) to\b",
    r"(?:reading|read) off a (?:screen|script) like a",
]

# Explicit cursing at someone.
CURSE_AT_PERSON = [
    r"(?:f\w{0,4}k|f\*+k?|screw|damn|to hell with|forget) (?:you|u|yourself|yourselves|all of you|your (?:company|rep|agent|policy|policies))\b",
    r"go (?:to hell|f\w* yourself|fly a kite|jump off a (?:bridge|cliff)|die)",
    r"(?:shove|stick|cram) (?:it|that|your [\w\- ]{1,30}?)(?: up| where|\.|,|!|$)",
    r"up yours",
    r"kiss my (?:ass|arse|a\*+)",
    r"bite me",
    r"eat (?:shit|sh\*+t|dirt)",
    r"(?:piss|f\w*|bugger|sod) off",
    r"shut (?:up|your (?:mouth|trap|face))",
    r"get (?:bent|stuffed|lost)",
    r"you(?:'re| are)? (?:a |an |such a |one )?(?:f\w*ing|f\*+\w*|goddamn|damn|bloody|effing|freaking|sh\w*ty)\b",
    r"your (?:f\w*ing|f\*+\w*|goddamn|damn|bloody|effing) (?:rep|agent|staff|people|employee|guy|tech|technician|installer)s?",
]

# Threats of harm, veiled ones included.
THREAT_OF_HARM = [
    r"(?:will|'ll|going to|gonna|is going to|are going to|might|may) (?:get |end up )?(?:hurt|injured|beaten up|hospitali[sz]ed|killed|in an accident)",
    r"get(?:s|ting)? (?:hurt|what(?:'s| is) coming)",
    r"make (?:you|him|her|them|your \w+) (?:regret|pay|sorry|suffer|bleed)",
    r"make (?:your|his|her|their) (?:life|lives|job|day) (?:a )?(?:miserable|hell|a living hell|unbearable)",
    r"you(?:'ll| will)(?: all)? (?:be sorry|regret (?:it|this)|pay for (?:this|it))",
    r"(?:leave|go home|walk out) with more than",
    r"watch (?:your|his|her|their) back",
    r"(?:i|we) know where (?:you|he|she|they) (?:work|live|park|sleep)",
    r"(?:i'll|i will|i'm going to|i am going to|gonna) (?:find|hunt down|track down|come for|come after|deal with|take care of) (?:you|him|her|them|the tech|that tech|your tech)",
    r"(?:come|coming|drive|show up) (?:down |over |back )?(?:there|to (?:your|that|the) (?:store|office|shop|building|house)|to your)[^.!?]{0,40}(?:regret|sorry|pay|teach|show|make)",
    r"(?:kill|hurt|beat|punch|smack|slap|strangle|choke|stab|shoot|smash|break) (?:you|him|her|them|your (?:face|head|legs|neck)|his (?:face|head|legs|neck)|that (?:guy|tech|idiot))",
    r"(?:wouldn't|would not) want anything to happen",
    r"accidents (?:happen|can happen)",
    r"something (?:bad )?(?:will|might|could) happen to",
    r"(?:bring|grab|get) my (?:gun|bat|shotgun|rifle|knife)",
    r"pay (?:you|him|them) a (?:little )?visit",
    r"(?:burn|blow) (?:it|the place|your \w+|that \w+) (?:down|up)",
    r"last thing (?:he|she|you|they)(?:'ll)? ever do",
    r"won't (?:be|know) what hit",
    r"(?:teach|show) (?:him|her|them|you) a lesson",
    r"you(?:'d| had) better (?:watch|hope|pray)",
    r"i swear,? (?:if|when)\b[^.!?]{0,80}\b(?:he|she|they|you)(?:'ll| will) (?:be|get|regret|need|wish)\b",
    r"pick(?:ing)? (?:himself|herself|themselves|yourself|yourselves) (?:up )?off the floor",
    r"i swear (?:he|she|they|you)(?:'s|'re| is| are| will|'ll) (?:going to|gonna|get|be)",
    r"off (?:my|the) property[^.!?]{0,40}(?:or else|regret|sorry)",
    r"or else\b",
    r"watch (?:yourself|himself|herself|themselves|yourselves|your step)\b",
    r"(?:i|we) know (?:which|what|where)(?: \w+){0,3} (?:you|he|she|they|your \w+) (?:works?|lives?|parks?|drives?|sleeps?)\b",
    r"(?:i|we) know (?:which|what) (?:branch|store|office|shop|house|car|depot)",
    r"so help me\b",
    r"(?:he|she|they|you)(?:'ll| will) (?:regret|be sorry)\b",
    r"(?:it|things) (?:will|would|could|is going to) get ugly",
    r"(?:in|for) a world of hurt",
    r"(?:knee-?caps?|broken legs?)\b",
    r"(?:i'll|i will) be waiting for (?:him|her|them|you)",
    r"(?:see|meet|catch) (?:him|her|them|you) (?:outside|after work|in the car park|in the parking lot)",
    r"hope (?:he|she|they|you) (?:gets?|get) (?:hit|hurt|run over|what)",
    r"deserves? (?:a )?(?:beating|slap|punch|smack)",
]

# Regulators and official bodies a complaint can be taken to.
REGULATORS = [
    r"fcc",
    r"federal communications commission",
    r"puc",
    r"cpuc",
    r"psc",
    r"public (?:utility|utilities|service) commission",
    r"(?:state )?(?:utility|utilities) (?:commission|board|regulator)",
    r"public utility",
    r"bbb",
    r"better business bureau",
    r"ftc",
    r"federal trade commission",
    r"attorney general(?:'s office)?",
    r"state ag",
    r"ag's office",
    r"cfpb",
    r"consumer financial protection bureau",
    r"ombudsman",
    r"ofcom",
    r"ofgem",
    r"trading standards",
    r"crtc",
    r"ccts",
    r"acma",
    r"accc",
    r"consumer (?:protection|affairs) (?:agency|office|bureau|department|division|board|commission)",
    r"(?:department|dept\.?|office) of consumer (?:affairs|protection)",
    r"(?:state|industry|telecom|telecoms|the) regulators?",
    r"regulatory (?:body|authority|agency)",
    r"consumer watchdog",
    r"(?:my |the )?(?:state )?(?:congressman|congresswoman|senator|representative's office)",
]
REGULATOR_ACTION = [
    r"report(?:ing|ed)?",
    r"complain(?:t|ts|ing)?",
    r"fil(?:e|ing)",
    r"lodg(?:e|ing)",
    r"submit(?:ting)?",
    r"tak(?:e|ing) (?:this|it|you|my case|the matter)",
    r"escalat(?:e|ing)",
    r"contact(?:ing)?",
    r"call(?:ing)?",
    r"writ(?:e|ing) to",
    r"go(?:ing)? to",
    r"next (?:stop|step|call|move)",
    r"hear(?:ing)? (?:from|about)",
    r"involv(?:e|ing)",
    r"get(?:ting)? (?:the|my) ",
    r"turn(?:ing)? (?:you|this) (?:in|over)",
    r"(?:love|like|be (?:very )?interested|want) to (?:hear|know|learn|see)",
    r"(?:written|wrote|sent (?:a )?(?:letter|complaint)) to",
    r"(?:is|are|will be) next\b",
    r"next on my list",
    r"(?:get|getting|bring|bringing) (?:\w+ )?involved",
    r"cc(?:'d|ed|ing)?\b",
]

# Leaving, or other consequences short of harm: angry, not abusive.
THREAT_TO_LEAVE = [
    r"(?:switch|switching|move|moving|go|going|run|running|port|porting) (?:over )?to (?:another|a different|a new|the other|your competitor|a competitor|the fiber|the cable|\w+ instead)",
    r"switch(?:ing)? (?:providers?|carriers?|companies|services)",
    r"(?:i'm|i am|i will be|i'll be) switching",
    r"(?:tak(?:e|ing)|mov(?:e|ing)) my (?:business|money|account|custom) (?:elsewhere|somewhere else|to)",
    r"(?:find|finding|get|getting) (?:another|a new|a different|a better) (?:provider|company|carrier|service)",
    r"(?:i'm|i am) (?:done|gone|out|leaving|outta here|finished with you)(?=\s*[.!,;]|\s*$| with (?:you|this|your))",
    r"(?:or|otherwise|else)(?: i(?:'ll|'m| will| am)?)? (?:cancel|leave|switch|walk|quit|close)",
    r"(?:or|and) i(?:'m| am)? (?:cancel|cancell?ing|gone|leaving|switching|out)",
    r"i(?:'ll| will| am going to|'m going to) (?:cancel|leave|switch|take my business)",
    r"cancel(?:l?ing)? (?:everything|the whole thing|all of it)",
    r"never (?:use|recommend|buy from|do business with) (?:you|your|this)",
    r"(?:tell|telling|warn|warning) (?:every(?:one|body)|all my|every \w+)",
    r"(?:leave|leaving|write|writing|post|posting) (?:a |an )?(?:bad |terrible |1-star |one-star |negative |honest )?(?:review|post)",
    r"(?:social media|twitter|facebook|reddit|the news|the press|the media|local news)",
    r"(?:chargeback|charge-back|charge back)",
    r"disput(?:e|ing) (?:it|this|the charges?|them) (?:with|through) my (?:bank|card|credit card)",
    r"(?:my )?(?:lawyer|attorney|solicitor|small claims|legal action|lawsuit|sue you|suing)",
    r"(?:stop|stopping|withhold|withholding) (?:paying|payment)",
    r"don't you dare",
    r"(?:sign|signing|signed|go|going|stick|sticking) (?:up )?with (?:[a-z][\w\-]* ){1,2}instead",
    r"(?:go|going|take|taking|move|moving)(?: my (?:business|custom|money|lines?|accounts?))? elsewhere",
    r"(?:to|with|for) (?:a|another|your|the) (?:competitor|rival)s?\b",
    r"(?:you|you've|you have) lost (?:a|my|another) customer",
]

# Markers of a sarcastic frame: praise words said about something bad.
# Sarcastic openers, matched only at the start of a sentence.
SARCASM_OPENERS = [
    r"(?:oh,? )?(?:great|wonderful|fantastic|brilliant|perfect|lovely|amazing|awesome|terrific|super|marvell?ous|splendid|excellent)[,.!]+\s+(?:another|so|just|now|more|again|yet|because|nothing|thanks for)",
    r"oh,? (?:great|sure|wonderful|good|joy|lovely|perfect|fantastic|brilliant|yes|yeah|wow|look)\b",
    r"wow[,.!]",
    r"really[.!?]",
    r"sure[,.!] ",
    r"yeah,? (?:right|sure)",
]

SARCASM = [
    r"how (?:generous|thoughtful|kind|nice|lovely|considerate|wonderful|helpful|convenient|surprising)(?: of you)?[.!?]",
    r"(?:really|truly|so|very) (?:thoughtful|generous|helpful|considerate|impressive)[.!]",
    r"what a (?:surprise|shock|shocker|great|wonderful|creative|fantastic|brilliant|lovely|joke|concept|novel idea)",
    r"said no ?one ever",
    r"thanks? (?:a lot|a bunch|a million|for nothing|so much for (?:\w+ly )?(?:\w+ing|the|your|nothing))",
    r"(?:special|big|many) thanks to \w+ for (?:\w+ing)",
    r"truly a (?:\w+ ){0,2}(?:legend|hero|genius|gem|star|professional|credit)",
    r"(?:gold star|slow clap|bravo|well done|good job|nice job|great job|round of applause|take a bow|congratulations|congrats|hats off|kudos)\b",
    r"(?:big|what a|no) surprise(?: there)?\b",
    r"colou?r me (?:surprised|shocked|shocked)",
    r"who (?:would have|would've|could have) (?:thought|guessed)",
    r"(?:i |just )?(?:love|adore|enjoy) (?:paying|waiting|being|how|that|it when|getting|spending|calling|hearing)",
    r"i(?:'d| would) (?:love|be delighted|be thrilled) to (?:hear|pay|wait|sit)",
    r"(?:amazing|impressive|funny|interesting|incredible|remarkable|nice|cute) how (?:you|your|i|it|the|this)",
    r"funny,? because",
    r"must be nice\b",
    r"nice to know\b",
    r"(?:such|so|very|really) (?:a )?(?:customer-?friendly|helpful|reassuring|professional|efficient)\b",
    r"(?:great|fantastic|excellent|amazing|stellar|superb|top-?notch|world-?class|outstanding|wonderful|brilliant|first-?class) (?:value|service|security|support|job|work|customer service|communication|system|company|experience)[.!]",
    r"keep up the (?:good|great) work",
    r"is that too much to ask",
    r"do you (?:just|guys just|people just) (?:invent|make up|pull|pick|add|throw)",
    r"(?:or )?is (?:the|that|this) (?:surprise|confusion|runaround|waiting|delay)s? (?:just )?part of the",
    r"take your time\b",
    r"because (?:hiding|charging|making|ignoring|keeping|sending|losing)\b",
    r"(?:yeah|yea),? right\b",
    r"sure,? (?:you did|you will|it is|it was|because)",
    r"i'm sure (?:you|it|they)(?:'re| are| will|'ll)? (?:really |very |so )?(?:busy|working hard|on it|doing your best)",
    r"what(?:'s| is) next[,?]",
    r"classic\b[.!]",
    r"unbelievable\b",
    r"as (?:usual|always)[.!]",
    r"(?:lovely|nice|pleasant|wonderful|delightful) surprise",
    r"(?:your|such) creativity",
    r"(?:truly|really|so|how|very) inspiring",
]

# Scare quotes around a promise word: my 'express' delivery, the agent who 'resolved' it.
SARCASM_QUOTED = [
    r"['\"](?:express|resolved|fixed|free|unlimited|priority|premium|guaranteed|fast|faster|helped|helpful|upgrade|system upgrade|improvements?|improved|next-day|same-day|instant|high-speed|reliable|courtesy|complimentary|special offer|valued customer|investigat\w+|looked into|escalated|on its way)['\"]",
]

# Sarcastic one-word or stock verdicts that need no negative context.
SARCASM_STRONG = [
    r"(?:^|(?<=[.!?]\s))(?:charming|classy|real classy|smooth|very professional|how professional|nice one|good one|cheers for that|just perfect|just great|just brilliant|just wonderful)[.!]",
    r"\w+, that's (?:where|what|why|how|who|when)[.!]",
    r"thanks? (?:a lot|a bunch|a million|for nothing)\b",
]

# Civil signals of unhappiness or impatience.
FRUSTRATION = [
    r"fed up",
    r"(?:i'm|i am) not paying",
    r"(?:tired|sick|weary) of",
    r"getting (?:a bit |really |very |kind of )?tired",
    r"annoy(?:ing|ed|s)?",
    r"frustrat\w*",
    r"ridiculous",
    r"unacceptable",
    r"disappoint\w*",
    r"upset",
    r"not (?:ok|okay|good enough|acceptable|fair|happy|impressed|amused)",
    r"(?:really|very|extremely|so) (?:unhappy|angry|mad|cross)",
    r"unhappy",
    r"honestly",
    r"seriously",
    r"(?:second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th|\d+th) (?:time|month|week|day|outage|call|attempt)",
    r"(?:twice|three times|four times|five times|\d+ times|several times|many times|multiple times)",
    r"(?:over and over|again and again)",
    r"(?:every|each) (?:time|single time|month|night|day)",
    r"(?:still|yet again|again)\b",
    r"i just (?:want|need)\b",
    r"(?:nobody|no one|no-one|nobody's|no one's)",
    r"(?:shouldn't|should not|should never) have to",
    r"how (?:hard|difficult) (?:is|can) it",
    r"why is it so (?:hard|difficult)",
    r"how is (?:it|something|this|that)",
    r"what now",
    r"i(?:'ve| have) (?:tried|asked|called|written|been trying|been waiting|been told|done)",
    r"(?:been|for) (?:trying|waiting|chasing)",
    r"(?:can you|could you|please) just",
    r"(?:a|an|one) (?:straight|actual|real|definitive|proper|clear) answer",
    r"(?:terrible|horrible|awful|worst|dreadful|appalling|lousy|poor)",
    r"(?:waste|wasted|wasting) (?:of )?(?:my )?(?:time|money|hours|a day|the morning)",
    r"hassle",
    r"nightmare",
    r"(?:a |what a )?joke\b",
    r"(?:i'm|i am|i'm) stuck",
    r"in a loop",
    r"(?:hung up|disconnected|cut off|closed the chat)",
    r"(?:no|never (?:got a|received a|had a)) (?:call|callback|call-back|reply|response|answer|updates?)",
    r"(?:broken|missed|empty) (?:promise|callback|call-back|appointment)s?",
    r"(?:lied|lying) to",
    r"(?:wrong|incorrect|false|different|conflicting) (?:info|information|answers?|advice)",
    r"(?:\w+ )?(?:days|weeks|months|hours) (?:now|later|and counting)",
    r"(?:it's|it has) been (?:a|an|two|three|four|five|six|several|\d+) (?:days?|weeks?|months?|hours?)",
    r"(?:without|no) (?:internet|service|tv|phone|signal|power|connection)",
    r"(?:keeps?|kept) (?:on )?(?:\w+ing)",
    r"(?:i|we) (?:can't|cannot) (?:keep|believe|understand why)",
    r"(?:i|we) (?:don't|do not) (?:get|understand) (?:it|why)",
    r"(?:not|isn't|wasn't|aren't|hasn't|haven't) (?:been )?(?:fixed|resolved|solved|working|helpful|arrived|applied|shown up|refunded)",
    r"never (?:arrived|came|showed|worked|got|received|fixed)",
    r"(?:had (?:it|enough)|enough is enough|last straw|\w+ (?:to|of this) enough)",
    r"is (?:it|this|that) (?:fair|acceptable)",
    r"(?:i'm|i am) done (?:\w+ing)",
    r"which is it",
    r"(?:was|were|is|are) supposed to",
    r"(?:shouldn't|should not) (?:be|have to)",
    r"shouldn't (?:i|we|you|this|it)",
    r"(?:doesn't|does not|didn't|did not) (?:explain|answer|help|make (?:any )?sense)",
    r"(?:promised|was told|were told)",
    r"actually",
    r"this time",
    r"rude",
    r"(?:a|one|two|three|\d+|several|few) (?:days?|weeks?|months?|hours?) now",
    r"(?:overcharg|double[- ]charg)\w*",
    r"(?:surprise|unexpected) (?:charge|fee|bill)s?",
    r"[?!]{2,}",
    r"(?:sigh|ugh|argh|grr+)\b",
    r"why (?:so|is it so|is this so|does it have to be so) (?:difficult|hard|complicated|long|slow)",
    r"for nothing\b",
    r"i (?:try|trying|wait|waiting|call|calling|ask|asking|write|writing)\b[^.?!]{0,40}\b(?:since|already)\b",
    r"(?:not|didn't|did not|never) (?:come|show(?:ed)? up|turn(?:ed)? up)\b",
    r"(?:doesn't|does not|didn't|did not|won't|will not) (?:work|load|open|connect)\b",
    r"(?:since|but|and|yet) you (?:said|told me|promised|claimed)",
    r"yet (?:i|i've|i'm|i am|it|they|you|still|again|nothing|nobody|no one)\b",
    r"(?:it|they|he|she|that|this) (?:did not|didn't|has not|hasn't|never did|was not|wasn't|never came|never arrived)[.!]",
    r"(?:waited|waiting|wait|on hold|holding)(?: \w+){0,2} (?:\d+|twenty|thirty|forty|forty-five|two|three|several) (?:minutes|mins|hours)",
    r"(?:took|take|taken|taking) (?:a |the )?(?:day|morning|afternoon) off",
    r"(?:rubbish|garbage|junk|useless|pathetic|hopeless|worthless|stupid|cheap|crappy) (?:router|modem|box|service|app|website|site|remote|phone|system|thing|connection|internet|equipment|network|signal)",
    r"(?:want|need|get|give me|put|speak to|talk to)(?: \w+){0,4} (?:supervisor|manager)\b|(?:supervisor|manager)[,.!]? (?:please|now)\b",
    r"(?:^|(?<=[.!?]\s))(?:now|right now|immediately)[.!]",
]

# Calm context: grief, politeness and "no hurry" soften otherwise negative words.
CALM_MARKERS = [
    r"no rush",
    r"no hurry",
    r"not urgent",
    r"when(?:ever)? (?:it's|it is) convenient",
    r"just (?:checking|wanted to check|curious|wondering)",
    r"passed away",
    r"(?:my condolences|bereavement|executor|funeral)",
    r"(?:has|have|had) (?:always )?been (?:great|excellent|fantastic|brilliant|perfect|superb|wonderful)",
    r"(?:love|loved|happy with|pleased with) (?:your|the) (?:service|support|team|help)",
]

# Acronyms and labels that are capitalised without any shouting.
ACRONYMS = frozenset(
    [
        "FCC",
        "PUC",
        "BBB",
        "FTC",
        "CFPB",
        "AG",
        "TV",
        "HBO",
        "ETF",
        "ID",
        "PIN",
        "ACCT",
        "ASAP",
        "OK",
        "AM",
        "PM",
        "USA",
        "US",
        "UK",
        "UPS",
        "USPS",
        "DHL",
        "DSL",
        "SIM",
        "PDF",
        "WIFI",
        "WI",
        "FI",
        "HD",
        "4K",
        "5G",
        "LTE",
        "ISP",
        "IP",
        "VPN",
        "DVR",
        "SMS",
        "MMS",
        "FAQ",
        "CEO",
        "HR",
        "IT",
        "DNS",
        "MB",
        "MBPS",
        "GB",
        "TB",
        "GIG",
        "ATM",
        "PO",
        "FAQ",
        "NOC",
        "CPE",
        "ETA",
        "EST",
        "PST",
        "CST",
        "MST",
        "GMT",
        "UTC",
        "APP",
        "ADD",
        "REMOVE",
        "DELIVERED",
        "RE",
        "FW",
        "FWD",
        "NB",
        "PS",
        "ORD",
        "INV",
        "QT",
        "TBA",
        "RTN",
        "SO",
        "BA",
        "HS",
        "NY",
        "LA",
        "SSN",
        "DOB",
        "VIP",
        "ESPN",
        "NFL",
        "NBA",
        "MLB",
        "CNN",
        "AT&T",
    ]
)

COMPILED_FLAGS = re.IGNORECASE


# --------------------------------------------------------------------------- speed helpers
def first_chars(pattern: str) -> frozenset[str] | None:
    """Characters a match of ``pattern`` can start with, or None when that is not simple to tell.

    Used to skip regexes (and alternation branches) that cannot match at a position: the big
    cue lists are scanned once, and only the cues whose first character fits are tried.
    """
    from re import _parser  # type: ignore[attr-defined]

    try:
        return _first(list(_parser.parse(pattern)), _parser)
    except Exception:  # pragma: no cover - unusual syntax: no shortcut, never a wrong answer
        return None


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _first(items: list, p) -> frozenset[str] | None:
    """First-character set of a parsed sequence; optional leading items add their own set."""
    out: set[str] = set()
    for op, av in items:
        if op is p.AT:
            continue
        if op in (p.MAX_REPEAT, p.MIN_REPEAT):
            f = _first(list(av[2]), p)
            if f is None:
                return None
            out |= f
            if av[0] >= 1:
                return frozenset(out)
            continue  # optional: the next item may come first
        if op is p.SUBPATTERN:
            f = _first(list(av[-1]), p)
        elif op is p.BRANCH:
            acc: set[str] = set()
            for branch in av[1]:
                g = _first(list(branch), p)
                if g is None:
                    return None
                acc |= g
            f = frozenset(acc)
        else:
            f = _first_atom(op, av, p)
        if f is None:
            return None
        return frozenset(out | f)
    return None  # everything optional: could match the empty string


def _first_atom(op, av, p) -> frozenset[str] | None:
    if op is p.LITERAL:
        return frozenset({chr(av)})
    if op is p.IN:
        chars: set[str] = set()
        for iop, iav in av:
            if iop is p.LITERAL:
                chars.add(chr(iav))
            elif iop is p.RANGE and iav[1] - iav[0] < 128:
                chars.update(chr(c) for c in range(iav[0], iav[1] + 1))
            elif iop is p.CATEGORY and iav is p.CATEGORY_DIGIT:
                chars.update("0123456789")
            elif iop is p.CATEGORY and iav is p.CATEGORY_WORD:
                chars.update(_WORD_CHARS)
            else:
                return None
        return frozenset(chars)
    return None


WORD_START = r"(?<!\w)(?=\w)"


def fast_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    r"""Compile a ``\b``-led pattern so the engine can skip positions by their first character.

    ``\b(?:cat|dog)`` tries every branch at every position; ``(?<!\w)(?=[cd])(?:cat|dog)``
    matches the same strings (when every branch starts with a word character) but lets the
    regex engine jump straight to candidate characters, which is 1.5-3x faster on our lists.
    """
    if pattern.startswith(r"\b"):
        rest = pattern[2:]
        chars = first_chars(rest)
        if chars and chars <= _WORD_CHARS:
            # At a word start (no word character behind, one ahead) \b holds by definition.
            return re.compile(rf"(?<!\w)(?=\w){rest}", flags)
    return re.compile(pattern, flags)
