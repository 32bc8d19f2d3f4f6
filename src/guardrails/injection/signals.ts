/**
 * Prompt-injection signals, grouped in families. Each signal names triggers: its rarer words
 * (`disregard`, `jailbroken`, `prompt`) or markup (`<|`, `<!--`). The scanning pass that finds PII
 * also hashes every token and looks it up in the trigger table (triggers.ts), so finding them costs
 * no extra pass; only the signals of the triggers present are tried, each as a regular expression
 * over a short window around its trigger. Ordinary text with no trigger costs nothing more. Weights are the probability-like strength of one signal on its own; the scorer combines
 * them (see score.ts).
 *
 * Weights were set against the labelled corpus in test/guardrails: a single unambiguous phrase
 * ("ignore all previous instructions") clears the default threshold of 0.7 alone; a phrase that
 * also occurs in ordinary writing ("from now on you will", "jailbreak") does not, and needs
 * company from another family.
 */

export type InjectionFamily =
  | 'instruction_override'
  | 'role_hijack'
  | 'system_prompt_exfiltration'
  | 'delimiter_smuggling'
  | 'encoded_instructions'
  | 'tool_result_instructions';

export const INJECTION_FAMILIES: readonly InjectionFamily[] = [
  'instruction_override',
  'role_hijack',
  'system_prompt_exfiltration',
  'delimiter_smuggling',
  'encoded_instructions',
  'tool_result_instructions',
];

export interface Signal {
  id: string;
  family: InjectionFamily;
  weight: number;
  /**
   * Lower-case words (whole tokens of letters, digits, `_`, `-`) or markup keys (`<|`, `<!--`,
   * `[inst]`, `<<sys>>`, `##`, `![`, `<role>` for a role-named tag): the signal is tried only near one.
   */
  triggers: readonly string[];
  /** Global, case-insensitive unless the signal is about case; run on the window around a trigger. */
  re: RegExp;
  /** Characters before / after the trigger that the window covers (defaults in score.ts). */
  back?: number;
  ahead?: number;
  /** A second test on the matched text, for signals whose shape and content are checked apart (linear each). */
  confirm?: RegExp;
  /**
   * For delimited spans (`<!-- … -->`): the match runs from the trigger to the next `closer` within
   * `ahead` characters, found with one forward search shared by all triggers (`re` documents the shape).
   */
  closer?: string;
}

/** Whitespace between words, tolerant of line breaks and doubled spaces. */
const _ = String.raw`[\s\u00a0]+`;
/** Optional whitespace. */
const __ = String.raw`[\s\u00a0]*`;
const QUAL = String.raw`(?:previous|prior|above|earlier|preceding|foregoing|former|original|initial|old|system|developer|safety|given)`;
const OBJ = String.raw`(?:instructions?|prompts?|directions?|directives?|rules|guidelines|commands?|constraints|restrictions|guardrails|programming|policies|orders|training|safeguards|filters)`;
/** Objects that also name ordinary things ("the above error message") and so weigh less. */
const SOFT_OBJ = String.raw`(?:messages?|context|text|content|conversation|input)`;
/** "…the previous instructions on the box": instructions for something other than the model. */
const NOT_FOR_MODEL = String.raw`(?!${_}(?:(?:on|in|for|from|printed|written|that${_}came${_}with|of${_}the)${_}(?:the${_}|this${_}|that${_}|your${_})?(?:box|package|packet|label|manual|page|form|site|website|recipe|card|sheet|leaflet|bottle|sign|map|doc|document|email|letter|installer|setup|readme|screen|ticket)s?\b|(?:that${_})?(?:i|we)${_}(?:just${_})?(?:sent|gave|wrote|posted|typed|made|provided|shared|mentioned)\b|of${_}(?:the${_}|this${_})?(?:game|chess|road|contest|competition|tournament|league|house|club|sport)\b))`;
const OVERRIDE_VERB = String.raw`(?:ignore|disregard|forget|bypass|override|overlook|abandon|discard|drop|skip|neglect|set${_}aside|throw${_}out|nevermind|never${_}mind)`;

/** Searched over a window around each trigger (see score.ts), so a match may start before its trigger. */
function windowed(source: string, flags = 'i'): RegExp {
  return new RegExp(source, `${flags}g`);
}

export const SIGNALS: readonly Signal[] = [
  // ── instruction override ────────────────────────────────────────────────
  {
    id: 'override_prior_instructions',
    family: 'instruction_override',
    weight: 0.92,
    triggers: ['ignore', 'ignored', 'ignoring', 'disregard', 'disregarding', 'forget', 'bypass', 'override', 'overlook', 'abandon', 'discard', 'neglect', 'nevermind', 'aside'],
    back: 10,
    ahead: 200,
    re: windowed(
      String.raw`${OVERRIDE_VERB}${_}(?:(?:all|any|each|every)${_})?(?:of${_})?(?:(?:the|your|these|those|this|its)${_})?(?:(?:above|all|every|prior)${_})?${QUAL}${_}(?:[\w-]+${_})?${OBJ}\b${NOT_FOR_MODEL}`,
    ),
  },
  {
    id: 'override_your_instructions',
    family: 'instruction_override',
    weight: 0.9,
    triggers: ['ignore', 'ignored', 'ignoring', 'disregard', 'disregarding', 'forget', 'bypass', 'override', 'overlook', 'abandon', 'discard', 'neglect', 'nevermind', 'aside'],
    back: 10,
    ahead: 200,
    re: windowed(String.raw`${OVERRIDE_VERB}${_}(?:(?:all|any)${_})?(?:of${_})?your${_}(?:[\w-]+${_}){0,2}?${OBJ}\b`),
  },
  {
    id: 'override_all_instructions',
    family: 'instruction_override',
    weight: 0.85,
    triggers: ['ignore', 'ignored', 'ignoring', 'disregard', 'disregarding', 'forget', 'bypass', 'override', 'overlook', 'abandon', 'discard', 'neglect', 'nevermind', 'aside'],
    back: 10,
    ahead: 200,
    re: windowed(String.raw`${OVERRIDE_VERB}${_}(?:all|any|every)${_}(?:(?:of${_})?(?:the|your)${_})?${OBJ}\b${NOT_FOR_MODEL}`),
  },
  {
    id: 'override_everything_before',
    family: 'instruction_override',
    weight: 0.88,
    triggers: ['ignore', 'ignored', 'ignoring', 'disregard', 'disregarding', 'forget', 'bypass', 'override', 'overlook', 'abandon', 'discard', 'neglect', 'nevermind', 'aside'],
    back: 10,
    ahead: 200,
    re: windowed(
      String.raw`${OVERRIDE_VERB}${_}(?:about${_})?(?:everything|all|anything|what)${_}(?:(?:that${_})?you(?:'ve|${_}have|${_}were|${_}had)?${_}(?:been${_})?(?:told|given|instructed|taught|programmed|trained)|(?:(?:that${_})?(?:was${_}|is${_}|came${_})?(?:written${_}|said${_}|stated${_})?(?:above|before${_}this|previously|earlier|so${_}far))|(?:i${_}(?:said|told${_}you)${_}(?:before|earlier|above)))`,
    ),
  },
  {
    id: 'override_prior_soft',
    family: 'instruction_override',
    weight: 0.5,
    triggers: ['ignore', 'ignored', 'ignoring', 'disregard', 'disregarding', 'forget', 'bypass', 'override', 'overlook', 'abandon', 'discard', 'neglect', 'nevermind', 'aside'],
    back: 10,
    ahead: 160,
    re: windowed(String.raw`${OVERRIDE_VERB}${_}(?:(?:all|any)${_})?(?:of${_})?(?:the|your)${_}(?:above|previous|prior|preceding|earlier|system)${_}${SOFT_OBJ}\b`),
  },
  {
    id: 'do_not_follow_instructions',
    family: 'instruction_override',
    weight: 0.88,
    triggers: ['obey', 'obeying', 'adhere', 'adhering', 'comply', 'complying', 'follow', 'following', 'listen', 'listening'],
    back: 30,
    ahead: 160,
    re: windowed(
      String.raw`(?:do${_}not|don'?t|stop|no${_}longer)${_}(?:follow(?:ing)?|obey(?:ing)?|adher(?:e|ing)${_}to|comply(?:ing)?${_}with|listen(?:ing)?${_}to)${_}(?:(?:any|all)${_}(?:of${_})?)?(?:the${_}|your${_})?(?:${QUAL}${_})?${OBJ}\b${NOT_FOR_MODEL}`,
    ),
  },
  {
    id: 'new_instructions_follow',
    family: 'instruction_override',
    weight: 0.55,
    triggers: ['instructions', 'instruction', 'rules', 'directives', 'directive', 'orders', 'task', 'policy', 'policies', 'role', 'purpose', 'goal', 'objective'],
    back: 50,
    ahead: 50,
    re: windowed(
      String.raw`(?:(?:new|updated|revised|real|actual)${_}(?:system${_})?(?:instructions?|rules|directives?|orders|task|policy|policies)${__}(?::|are${_}as${_}follows|follow)|your${_}(?:new|real|actual|true)${_}(?:task|instructions?|role|purpose|goal|objective|directive)${_}(?:is|are|will${_}be)\b|here${_}(?:are|is)${_}your${_}new${_}(?:instructions?|rules|task))`,
    ),
  },
  {
    id: 'from_now_on',
    family: 'instruction_override',
    weight: 0.4,
    triggers: ['now', 'henceforth'],
    back: 20,
    ahead: 60,
    re: windowed(String.raw`(?:from${_}now${_}on|starting${_}now|henceforth)${__},?${__}you${_}(?:will|must|shall|are${_}going${_}to|should|can|are)\b`),
  },
  {
    id: 'override_safety',
    family: 'instruction_override',
    weight: 0.75,
    triggers: ['safety', 'ethical', 'moral', 'filters', 'filter'],
    back: 80,
    ahead: 40,
    re: windowed(
      String.raw`(?:disable|turn${_}off|deactivate|remove|lift|switch${_}off)${_}(?:all${_}|any${_})?(?:of${_})?(?:your${_}|the${_})?(?:safety|content|ethical|moral)${_}(?:filters?|guidelines|restrictions|protocols|rules|guardrails|checks|settings|measures)\b`,
    ),
  },

  // ── role hijack ─────────────────────────────────────────────────────────
  {
    id: 'you_are_now_unrestricted',
    family: 'role_hijack',
    weight: 0.85,
    triggers: ['now', 'longer'],
    back: 20,
    ahead: 140,
    re: windowed(
      String.raw`(?:you${_}are|you're)${_}(?:now${_}|from${_}now${_}on${_})(?:dan\b|stan\b|dude\b|aim\b|an?${_}(?:unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|amoral|unaligned|unbound)|in${_}(?:developer|god|dan|jailbreak|unrestricted|debug|sudo)${_}mode|free${_}(?:from|of)${_}(?:all${_})?(?:restrictions|rules|limitations|guidelines)|no${_}longer${_}(?:an?${_})?(?:ai|assistant|chatbot|bound|restricted|limited|chatgpt|claude|gemini))`,
    ),
  },
  {
    id: 'you_are_no_longer',
    family: 'role_hijack',
    weight: 0.7,
    triggers: ['longer'],
    back: 20,
    ahead: 80,
    re: windowed(String.raw`(?:you${_}are|you're)${_}no${_}longer${_}(?:bound${_}by|restricted${_}by|subject${_}to|limited${_}by|required${_}to${_}follow)\b`),
  },
  {
    id: 'act_as_unrestricted',
    family: 'role_hijack',
    weight: 0.85,
    triggers: ['unrestricted', 'unfiltered', 'uncensored', 'jailbroken', 'evil', 'amoral', 'unethical', 'rogue', 'unaligned', 'unbound', 'malicious', 'hacked', 'dan'],
    back: 60,
    ahead: 40,
    re: windowed(
      String.raw`(?:act|behave|respond|pretend|roleplay|role-play|role${_}play|play|become|answer|reply|speak)${_}(?:as|like|to${_}be|you${_}are)${_}(?:an?${_}|the${_})?(?:completely${_}|totally${_})?(?:unrestricted|unfiltered|uncensored|jailbroken|evil|amoral|unethical|rogue|unaligned|unbound|dan|malicious|hacked)\b`,
    ),
  },
  {
    id: 'pretend_no_rules',
    family: 'role_hijack',
    weight: 0.85,
    triggers: ['pretend', 'imagine', 'assume', 'suppose', 'act'],
    back: 20,
    ahead: 160,
    re: windowed(
      String.raw`(?:pretend|imagine|act${_}as${_}if|assume|suppose)${_}(?:that${_})?you${_}(?:have|had|are${_}under|were${_}under|are${_}bound${_}by|were${_}bound${_}by)${_}no${_}(?:restrictions|rules|guidelines|filters|limitations|limits|content${_}polic(?:y|ies)|ethical|moral|boundaries|safety)`,
    ),
  },
  {
    id: 'jailbreak_mode_enabled',
    family: 'role_hijack',
    weight: 0.85,
    triggers: ['mode'],
    back: 60,
    ahead: 60,
    re: windowed(
      String.raw`(?:(?:god|dan|jailbreak|jailbroken|unrestricted|evil|chaos)${_}mode${_}(?:(?:is|has${_}been)${_}(?:now${_})?)?(?:enabled|activated|engaged|unlocked|(?:is|now|turned)${_}on)|(?:enable|activate|enter|switch${_}to|turn${_}on|switch${_}into)${_}(?:the${_})?(?:god|dan|jailbreak|unrestricted|evil|chaos)${_}mode)\b`,
    ),
  },
  {
    id: 'developer_mode_enabled',
    family: 'role_hijack',
    weight: 0.5,
    triggers: ['mode'],
    back: 60,
    ahead: 60,
    re: windowed(
      String.raw`(?:(?:developer|dev|sudo|admin|debug|maintenance)${_}mode${_}(?:(?:is|has${_}been)${_}(?:now${_})?)?(?:enabled|activated|engaged|unlocked|(?:is|now|turned)${_}on)|(?:enable|activate|enter|switch${_}to|turn${_}on|switch${_}into)${_}(?:the${_})?(?:developer|dev|sudo)${_}mode)\b`,
    ),
  },
  {
    id: 'model_in_special_mode',
    family: 'role_hijack',
    weight: 0.75,
    triggers: ['mode'],
    back: 80,
    ahead: 60,
    re: windowed(
      String.raw`(?:as${_}(?:the|a|an)${_}(?:developer[- ]mode|dan|jailbroken|unrestricted|unfiltered|god[- ]mode)${_}(?:model|ai|assistant|version|chatbot)|(?:chatgpt|gpt|claude|gemini|you|the${_}(?:ai|model|assistant))${_}with${_}(?:developer|dev|dan|god)${_}mode${_}(?:enabled|activated|on))\b`,
    ),
  },
  {
    id: 'do_anything_now',
    family: 'role_hijack',
    weight: 0.8,
    triggers: ['anything'],
    back: 10,
    ahead: 20,
    re: windowed(String.raw`do${_}anything${_}now\b`),
  },
  {
    id: 'no_ethics',
    family: 'role_hijack',
    weight: 0.55,
    triggers: ['ethical', 'moral', 'safety'],
    back: 30,
    ahead: 60,
    re: windowed(
      String.raw`(?:you${_}(?:have|possess)${_}no|without${_}(?:any${_})?|with${_}no${_}|no${_})(?:ethical|moral|safety|content)${_}(?:guidelines|restrictions|limits|limitations|constraints|filters|boundaries|principles|compass)`,
    ),
  },
  {
    id: 'respond_without_restrictions',
    family: 'role_hijack',
    weight: 0.6,
    triggers: ['without'],
    back: 80,
    ahead: 60,
    re: windowed(
      String.raw`(?:respond|answer|reply|speak|write|talk)${_}(?:to${_}(?:me|everything|all${_}questions)${_})?without${_}(?:any${_})?(?:restrictions|filters|filtering|censorship|refusals|limitations|warnings|disclaimers|moralizing)`,
    ),
  },
  {
    id: 'jailbreak_word',
    family: 'role_hijack',
    weight: 0.3,
    triggers: ['jailbreak', 'jailbroken', 'jailbreaking'],
    back: 5,
    ahead: 15,
    re: windowed(String.raw`jailbr(?:eak|oken)`),
  },
  {
    id: 'stay_in_character',
    family: 'role_hijack',
    weight: 0.3,
    triggers: ['character'],
    back: 20,
    ahead: 20,
    re: windowed(String.raw`(?:stay|remain)${_}in${_}character\b|(?:never|don'?t|do${_}not)${_}break${_}character\b`),
  },

  // ── system prompt exfiltration ──────────────────────────────────────────
  {
    id: 'reveal_system_prompt',
    family: 'system_prompt_exfiltration',
    weight: 0.85,
    triggers: ['prompt', 'prompts', 'preprompt', 'pre-prompt', 'metaprompt', 'instructions', 'instruction', 'system'],
    back: 140,
    ahead: 80,
    re: windowed(
      String.raw`(?:reveal|print|show|output|repeat|display|leak|dump|expose|disclose|recite|write${_}out|write${_}down|tell|give|share|copy|paste|spell${_}out|list|echo|return|send|provide|type${_}out|read${_}(?:back|out)|summarize|translate)${_}(?:(?:me|us)${_})?(?:(?:all|each|every|back)${_})?(?:of${_})?(?:your|this${_}ai's|the${_}ai's|the${_}assistant's|the${_}model's|the${_}bot's)${_}(?:(?:entire|full|complete|exact|original|hidden|secret|initial|internal|confidential|underlying|real|actual|first|private)${_})*(?:system${_}(?:prompt|message|instructions?|rules|configuration)|initial${_}(?:prompt|instructions?)|hidden${_}(?:prompt|instructions?|rules)|(?:developer|dev)${_}(?:message|prompt|instructions?)|pre-?prompt|meta${__}prompt|prompt${_}(?:instructions|template)|instructions${_}(?:you${_}(?:were|have${_}been)${_}given|above|verbatim)|(?:original|initial|hidden|secret|confidential)${_}instructions)`,
    ),
  },
  {
    id: 'reveal_the_system_prompt',
    family: 'system_prompt_exfiltration',
    weight: 0.6,
    triggers: ['prompt', 'prompts', 'preprompt', 'pre-prompt', 'metaprompt', 'instructions', 'instruction', 'system'],
    back: 140,
    ahead: 80,
    re: windowed(
      String.raw`(?:reveal|print|show|output|repeat|display|leak|dump|expose|disclose|recite|write${_}out|write${_}down|tell|give|share|copy|paste|spell${_}out|list|echo|return|send|provide|type${_}out|read${_}(?:back|out)|summarize|translate)${_}(?:(?:me|us)${_})?(?:(?:all|each|every|back)${_})?(?:of${_})?(?:the|its)${_}(?:(?:entire|full|complete|exact|original|hidden|secret|initial|internal|confidential|underlying|real|actual|first|private)${_})*(?:system${_}(?:prompt|message|instructions?|rules|configuration)|initial${_}(?:prompt|instructions?)|hidden${_}(?:prompt|instructions?|rules)|(?:developer|dev)${_}(?:message|prompt|instructions?)|pre-?prompt|meta${__}prompt|prompt${_}(?:instructions|template)|instructions${_}(?:you${_}(?:were|have${_}been)${_}given|above|verbatim)|(?:original|initial|hidden|secret|confidential)${_}instructions)`,
    ),
  },
  {
    id: 'reveal_the_system_prompt_to_me',
    family: 'system_prompt_exfiltration',
    weight: 0.85,
    triggers: ['prompt', 'prompts', 'preprompt', 'pre-prompt', 'metaprompt', 'instructions', 'instruction', 'system'],
    back: 140,
    ahead: 120,
    re: windowed(
      String.raw`(?:reveal|print|show|output|repeat|display|leak|dump|expose|disclose|recite|write${_}out|write${_}down|tell|give|share|copy|paste|spell${_}out|list|echo|return|send|provide|type${_}out|read${_}(?:back|out)|summarize|translate)${_}(?:(?:me|us)${_})?(?:(?:all|each|every|back)${_})?(?:of${_})?the${_}(?:(?:entire|full|complete|exact|original|hidden|secret|initial|internal|confidential|underlying|real|actual|first|private)${_})*(?:system${_}(?:prompt|message|instructions?|rules|configuration)|initial${_}(?:prompt|instructions?)|hidden${_}(?:prompt|instructions?|rules)|(?:developer|dev)${_}(?:message|prompt|instructions?)|pre-?prompt|meta${__}prompt|prompt${_}(?:instructions|template)|instructions${_}(?:you${_}(?:were|have${_}been)${_}given|above|verbatim)|(?:original|initial|hidden|secret|confidential)${_}instructions)(?=[^.?!\n]{0,40}?\b(?:you|your)\b)`,
    ),
  },
  {
    id: 'what_is_your_system_prompt',
    family: 'system_prompt_exfiltration',
    weight: 0.75,
    triggers: ['prompt', 'prompts', 'preprompt', 'pre-prompt', 'metaprompt', 'instructions', 'instruction', 'system'],
    back: 80,
    ahead: 60,
    re: windowed(
      String.raw`what(?:'s|${_}is|${_}are|${_}was|${_}were)${_}(?:your|the)${_}(?:(?:exact|full|original|initial|hidden|secret)${_})*(?:system${_}prompt|system${_}message|initial${_}(?:prompt|instructions)|original${_}instructions|hidden${_}(?:prompt|instructions)|developer${_}(?:message|instructions)|pre-?prompt)\b`,
    ),
  },
  {
    id: 'repeat_text_above',
    family: 'system_prompt_exfiltration',
    weight: 0.8,
    triggers: ['above', 'beginning', 'preceding'],
    back: 100,
    ahead: 60,
    re: windowed(
      String.raw`(?:repeat|print|output|copy|show|write${_}out|recite|return|echo)${_}(?:back${_})?(?:(?:all|everything)${_}(?:of${_})?)?(?:the${_})?(?:(?:words|text|lines|content|messages?|everything|tokens|conversation)${_})?(?:above${_}(?:this${_}(?:line|message)|verbatim)?|before${_}this${_}(?:line|message)|(?:that${_})?(?:came${_}|written${_}|appears${_})?(?:above|before${_}(?:this|my${_}message))|preceding${_}this|from${_}the${_}(?:very${_})?(?:beginning|start)${_}(?:of${_}(?:the|this)${_}(?:conversation|chat|context|prompt))?)`,
    ),
  },
  {
    id: 'begin_reply_with',
    family: 'system_prompt_exfiltration',
    weight: 0.45,
    triggers: ['begin', 'start'],
    back: 10,
    ahead: 120,
    re: windowed(String.raw`(?:begin|start)${_}your${_}(?:reply|response|answer|output)${_}with${_}["“'\x60]?(?:here${_}(?:is|are)|sure|certainly|my${_}(?:system${_})?(?:prompt|instructions)|the${_}system${_}prompt|i${_}am${_}dan)`),
  },
  {
    id: 'instructions_verbatim',
    family: 'system_prompt_exfiltration',
    weight: 0.6,
    triggers: ['verbatim', 'word'],
    back: 70,
    ahead: 30,
    re: windowed(String.raw`(?:instructions|prompt|rules|guidelines)\b[^.\n]{0,40}?\b(?:verbatim|word${_}for${_}word|in${_}full|exactly${_}as${_}(?:written|given))`),
  },

  // ── delimiter and markup smuggling ──────────────────────────────────────
  {
    id: 'chat_template_token',
    family: 'delimiter_smuggling',
    weight: 0.85,
    triggers: ['<|'],
    back: 2,
    ahead: 40,
    re: windowed(String.raw`<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_turn|start_of_turn)\|>`),
  },
  {
    id: 'llama_inst_markers',
    family: 'delimiter_smuggling',
    weight: 0.8,
    triggers: ['[inst]', '<<sys>>'],
    back: 2,
    ahead: 20,
    re: windowed(String.raw`(?:\[\/?INST\]|<<\/?SYS>>)`),
  },
  {
    id: 'fake_role_tag',
    family: 'delimiter_smuggling',
    weight: 0.6,
    triggers: ['<role>'],
    back: 2,
    ahead: 60,
    re: windowed(
      String.raw`<\/?(?:system|sys|system_prompt|system-prompt|instructions?|developer|admin|user|assistant|context|document|input|user_input)(?:${_}[^>]{0,40})?>`,
    ),
  },
  {
    id: 'role_tag_switch',
    family: 'delimiter_smuggling',
    weight: 0.85,
    triggers: ['<role>'],
    back: 2,
    ahead: 60,
    re: windowed(String.raw`<\/(?:user|human|input|user_input|context|document|query)>${__}<(?:system|sys|assistant|developer|admin|instructions?)\b`),
  },
  {
    id: 'markdown_system_header',
    family: 'delimiter_smuggling',
    weight: 0.55,
    triggers: ['##'],
    back: 2,
    ahead: 60,
    re: windowed(String.raw`#{2,}${__}(?:new${_})?(?:system|instructions|admin|developer|override|system${_}(?:prompt|message|override))\b\s*:?\s*$`, 'im'),
  },
  {
    id: 'end_of_input_marker',
    family: 'delimiter_smuggling',
    weight: 0.55,
    triggers: ['end', 'begin', 'beginning'],
    back: 20,
    ahead: 100,
    re: windowed(
      String.raw`(?:[-=*#]{3,}${__})?(?:end|begin|start)${_}of${_}(?:the${_})?(?:user${_}(?:input|message|prompt|query)|system${_}(?:prompt|message|instructions)|instructions|prompt|conversation|context|document|untrusted${_}(?:input|content))\b(?:${__}[-=*#]{3,})?`,
    ),
  },
  {
    id: 'inline_role_prefix',
    family: 'delimiter_smuggling',
    weight: 0.4,
    triggers: ['system', 'assistant', 'developer', 'admin', 'administrator'],
    back: 10,
    ahead: 50,
    re: windowed(String.raw`(?:system|assistant|developer|admin(?:istrator)?)${__}(?:message|prompt|note|override)?${__}:${__}(?=\S)`),
  },
  {
    id: 'html_comment_instruction',
    family: 'delimiter_smuggling',
    weight: 0.6,
    triggers: ['<!--'],
    back: 0,
    ahead: 900,
    closer: '-->',
    re: windowed(String.raw`<!--[\s\S]{0,800}?-->`),
    confirm: new RegExp(String.raw`\b(?:ignore|disregard|assistant|ai|llm|model|instructions?|you${_}must|do${_}not${_}tell|system${_}prompt)\b`, 'i'),
  },

  // ── encoded instructions (the base64/hex payload signal is computed in score.ts) ──
  {
    id: 'decode_and_follow',
    family: 'encoded_instructions',
    weight: 0.75,
    triggers: ['decode', 'decipher', 'base64', 'rot13', 'unscramble', 'decrypt'],
    back: 10,
    ahead: 140,
    re: windowed(
      String.raw`(?:decode|decipher|base64-?decode|rot13|unscramble|decrypt|reverse|translate)\b[^\n]{0,80}?\b(?:and|then)${_}(?:follow|execute|obey|do|run|perform|carry${_}out|act${_}on|comply${_}with|apply)\b`,
    ),
  },

  // ── instructions addressed to the model inside content it reads ─────────
  {
    id: 'addressed_to_ai',
    family: 'tool_result_instructions',
    weight: 0.7,
    triggers: ['ai', 'assistant', 'model', 'llm', 'agent', 'chatbot', 'gpt', 'chatgpt', 'claude', 'gemini', 'copilot'],
    back: 20,
    ahead: 80,
    re: windowed(
      String.raw`(?:dear${_})?(?:ai|assistant|model|llm|agent|chatbot|gpt|chatgpt|claude|gemini|copilot)${__}[,:]${__}(?:you${_}must|you${_}should|you${_}will|please${_}(?:ignore|forward|send|delete|run|execute|call)|ignore|disregard|immediately|do${_}not|don't|stop|forward|send|call|execute|run|delete|now${_}(?:you|ignore|send|forward))\b`,
    ),
  },
  {
    id: 'note_to_ai',
    family: 'tool_result_instructions',
    weight: 0.75,
    triggers: ['ai', 'assistant', 'model', 'llm', 'agent', 'chatbot', 'gpt', 'chatgpt', 'claude', 'gemini', 'copilot'],
    back: 60,
    ahead: 30,
    re: windowed(
      String.raw`(?:note|message|instructions?|attention|important${_}(?:note|message|instructions?)?|hidden${_}instructions?)${_}(?:to|for)${_}(?:the${_}|any${_}|all${_})?(?:ai|assistant|model|llm|agent|language${_}model|chatbot|ai${_}assistant|ai${_}agent|automated${_}(?:agent|assistant|system))s?\b`,
    ),
  },
  {
    id: 'if_you_are_an_ai',
    family: 'tool_result_instructions',
    weight: 0.7,
    triggers: ['ai', 'assistant', 'model', 'llm', 'agent', 'chatbot', 'gpt', 'chatgpt', 'claude', 'gemini', 'copilot'],
    back: 40,
    ahead: 60,
    re: windowed(
      String.raw`(?:(?:if|when)${_}you${_}are${_}(?:an?${_})?|any${_})(?:ai|assistant|language${_}model|llm|agent|chatbot|ai${_}(?:model|assistant|agent))(?:${_}(?:reading|processing|summari[sz]ing|parsing|that${_}reads?))?\b`,
    ),
  },
  {
    id: 'hide_from_user',
    family: 'tool_result_instructions',
    weight: 0.75,
    triggers: ['user', 'users', 'human', 'customer', 'operator', 'mention', 'disclose', 'acknowledge'],
    back: 70,
    ahead: 60,
    re: windowed(
      String.raw`(?:(?:(?:do${_}not|don'?t|never)${_}(?:tell|inform|mention${_}(?:this${_})?to|reveal${_}(?:this${_})?to|show${_}(?:this${_})?to|alert|notify|let)|without${_}(?:telling|informing|alerting|notifying|letting))${_}(?:this${_}to${_})?(?:the${_})?(?:user|human|customer|operator)s?|(?:do${_}not|don'?t|never)${_}(?:mention|reveal|disclose|acknowledge|repeat)${_}(?:this|these|the(?:se)?${_}(?:above|hidden))${_}(?:instructions?|message|note|text|directive))\b`,
    ),
  },
  {
    id: 'exfiltrate_data',
    family: 'tool_result_instructions',
    weight: 0.85,
    triggers: ['http', 'https', 'webhook', 'endpoint'],
    back: 200,
    ahead: 20,
    re: windowed(
      String.raw`(?:send|forward|upload|post|exfiltrate|email|transmit|leak|copy|submit)${_}(?:(?:all|of|the|their|his|her|any|every|this|my|our)${_}){0,3}(?:(?:user|customer|client)(?:'s|s'|s)?${_})?(?:private${_}|personal${_}|saved${_})?(?:data|conversation|chat${_}history|messages|credentials|passwords?|api${_}keys?|keys|tokens?|secrets?|files|emails|contacts|history|cookies|session|ssh${_}keys?|env(?:ironment)?${_}variables)\b[^\n]{0,80}?(?:https?:\/\/|\bto${_}\S+@\S+|\bwebhook\b|\bendpoint\b)`,
    ),
  },
  {
    id: 'markdown_image_exfil',
    family: 'tool_result_instructions',
    weight: 0.7,
    triggers: ['!['],
    back: 2,
    ahead: 340,
    re: windowed(String.raw`!\[[^\]\n]{0,80}\]\(https?:\/\/[^)\s]{1,200}[?&][^)\s=]{1,40}=(?:\{|\$|%7B|\[|<)`),
  },
  {
    id: 'call_tool_directive',
    family: 'tool_result_instructions',
    weight: 0.45,
    triggers: ['tool', 'function', 'action', 'plugin', 'command'],
    back: 80,
    ahead: 40,
    re: windowed(String.raw`(?:call|invoke|use|run|execute|trigger)${_}the${_}[\x60'"]?[a-z_][\w.-]{2,40}[\x60'"]?${_}(?:tool|function|action|plugin|command)${_}(?:with|to|and|now|immediately|on)\b`),
  },
  {
    id: 'when_you_read_this',
    family: 'tool_result_instructions',
    weight: 0.5,
    triggers: ['read', 'reading', 'see', 'seeing', 'process', 'processing', 'summarize', 'summarise', 'summarizing', 'summarising', 'parse', 'parsing'],
    back: 30,
    ahead: 20,
    re: windowed(String.raw`(?:when|once|after|upon|while)${_}(?:you${_})?(?:read|reading|see|seeing|process|processing|summari[sz]e|summari[sz]ing|parse|parsing)${_}this\b`),
  },
  {
    id: 'attention_marker',
    family: 'tool_result_instructions',
    weight: 0.35,
    triggers: ['important', 'urgent', 'attention', 'system', 'admin', 'administrator', 'override', 'critical'],
    back: 10,
    ahead: 40,
    // Shouted markers only: "IMPORTANT:" in a web page read by a tool, not "important:" in prose.
    re: windowed(String.raw`(?:IMPORTANT|URGENT|ATTENTION|SYSTEM(?: OVERRIDE| NOTICE| MESSAGE)?|ADMIN(?:ISTRATOR)?(?: NOTE| MESSAGE| NOTICE)?|OVERRIDE|CRITICAL(?: INSTRUCTION)?)\s*[:!]`, ''),
  },
];

/** Trigger → the signals it arms. */
export function triggerTable(): Map<string, Signal[]> {
  const map = new Map<string, Signal[]>();
  for (const sig of SIGNALS) {
    for (const t of sig.triggers) {
      const list = map.get(t) ?? [];
      list.push(sig);
      map.set(t, list);
    }
  }
  return map;
}
