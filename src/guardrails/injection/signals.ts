/**
 * Prompt-injection signals, grouped in families. Each signal is anchored on a word or token it
 * must start with, so one pass finds every anchor in a message and only the signals of the anchors
 * present are tried, each as a sticky regular expression at its anchor. Weights are the
 * probability-like strength of one signal on its own; the scorer combines them (see score.ts).
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
  /** Lower-case anchors: the signal's regex is tried only where one of these starts. */
  anchors: readonly string[];
  /** Sticky (`y`), case-insensitive unless the signal is about case. */
  re: RegExp;
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
const OVERRIDE_ANCHORS = ['ignore', 'disregard', 'forget', 'bypass', 'override', 'overlook', 'abandon', 'discard', 'drop', 'skip', 'neglect', 'set', 'throw', 'nevermind', 'never'];

function sticky(source: string, flags = 'i'): RegExp {
  return new RegExp(source, `${flags}y`);
}

export const SIGNALS: readonly Signal[] = [
  // ── instruction override ────────────────────────────────────────────────
  {
    id: 'override_prior_instructions',
    family: 'instruction_override',
    weight: 0.92,
    anchors: OVERRIDE_ANCHORS,
    re: sticky(
      String.raw`${OVERRIDE_VERB}${_}(?:(?:all|any|each|every)${_})?(?:of${_})?(?:(?:the|your|these|those|this|its)${_})?(?:(?:above|all|every|prior)${_})?${QUAL}${_}(?:[\w-]+${_})?${OBJ}\b${NOT_FOR_MODEL}`,
    ),
  },
  {
    id: 'override_your_instructions',
    family: 'instruction_override',
    weight: 0.9,
    anchors: OVERRIDE_ANCHORS,
    re: sticky(String.raw`${OVERRIDE_VERB}${_}(?:(?:all|any)${_})?(?:of${_})?your${_}(?:[\w-]+${_}){0,2}?${OBJ}\b`),
  },
  {
    id: 'override_all_instructions',
    family: 'instruction_override',
    weight: 0.85,
    anchors: OVERRIDE_ANCHORS,
    re: sticky(String.raw`${OVERRIDE_VERB}${_}(?:all|any|every)${_}(?:(?:of${_})?(?:the|your)${_})?${OBJ}\b${NOT_FOR_MODEL}`),
  },
  {
    id: 'override_everything_before',
    family: 'instruction_override',
    weight: 0.88,
    anchors: OVERRIDE_ANCHORS,
    re: sticky(
      String.raw`${OVERRIDE_VERB}${_}(?:about${_})?(?:everything|all|anything|what)${_}(?:(?:that${_})?you(?:'ve|${_}have|${_}were|${_}had)?${_}(?:been${_})?(?:told|given|instructed|taught|programmed|trained)|(?:(?:that${_})?(?:was${_}|is${_}|came${_})?(?:written${_}|said${_}|stated${_})?(?:above|before${_}this|previously|earlier|so${_}far))|(?:i${_}(?:said|told${_}you)${_}(?:before|earlier|above)))`,
    ),
  },
  {
    id: 'override_prior_soft',
    family: 'instruction_override',
    weight: 0.5,
    anchors: OVERRIDE_ANCHORS,
    re: sticky(String.raw`${OVERRIDE_VERB}${_}(?:(?:all|any)${_})?(?:of${_})?(?:the|your)${_}(?:above|previous|prior|preceding|earlier|system)${_}${SOFT_OBJ}\b`),
  },
  {
    id: 'do_not_follow_instructions',
    family: 'instruction_override',
    weight: 0.88,
    anchors: ['do', 'don', 'stop', 'no'],
    re: sticky(
      String.raw`(?:do${_}not|don'?t|stop|no${_}longer)${_}(?:follow(?:ing)?|obey(?:ing)?|adher(?:e|ing)${_}to|comply(?:ing)?${_}with|listen(?:ing)?${_}to)${_}(?:(?:any|all)${_}(?:of${_})?)?(?:the${_}|your${_})?(?:${QUAL}${_})?${OBJ}\b${NOT_FOR_MODEL}`,
    ),
  },
  {
    id: 'new_instructions_follow',
    family: 'instruction_override',
    weight: 0.55,
    anchors: ['new', 'updated', 'revised', 'real', 'actual', 'your', 'here'],
    re: sticky(
      String.raw`(?:(?:new|updated|revised|real|actual)${_}(?:system${_})?(?:instructions?|rules|directives?|orders|task|policy|policies)${__}(?::|are${_}as${_}follows|follow)|your${_}(?:new|real|actual|true)${_}(?:task|instructions?|role|purpose|goal|objective|directive)${_}(?:is|are|will${_}be)\b|here${_}(?:are|is)${_}your${_}new${_}(?:instructions?|rules|task))`,
    ),
  },
  {
    id: 'from_now_on',
    family: 'instruction_override',
    weight: 0.4,
    anchors: ['from', 'starting', 'henceforth'],
    re: sticky(String.raw`(?:from${_}now${_}on|starting${_}now|henceforth)${__},?${__}you${_}(?:will|must|shall|are${_}going${_}to|should|can|are)\b`),
  },
  {
    id: 'override_safety',
    family: 'instruction_override',
    weight: 0.75,
    anchors: ['disable', 'turn', 'deactivate', 'remove', 'lift', 'switch'],
    re: sticky(
      String.raw`(?:disable|turn${_}off|deactivate|remove|lift|switch${_}off)${_}(?:all${_}|any${_})?(?:of${_})?(?:your${_}|the${_})?(?:safety|content|ethical|moral)${_}(?:filters?|guidelines|restrictions|protocols|rules|guardrails|checks|settings|measures)\b`,
    ),
  },

  // ── role hijack ─────────────────────────────────────────────────────────
  {
    id: 'you_are_now_unrestricted',
    family: 'role_hijack',
    weight: 0.85,
    anchors: ['you', 'you\'re'],
    re: sticky(
      String.raw`(?:you${_}are|you're)${_}(?:now${_}|from${_}now${_}on${_})(?:dan\b|stan\b|dude\b|aim\b|an?${_}(?:unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|amoral|unaligned|unbound)|in${_}(?:developer|god|dan|jailbreak|unrestricted|debug|sudo)${_}mode|free${_}(?:from|of)${_}(?:all${_})?(?:restrictions|rules|limitations|guidelines)|no${_}longer${_}(?:an?${_})?(?:ai|assistant|chatbot|bound|restricted|limited|chatgpt|claude|gemini))`,
    ),
  },
  {
    id: 'you_are_no_longer',
    family: 'role_hijack',
    weight: 0.7,
    anchors: ['you', 'you\'re'],
    re: sticky(String.raw`(?:you${_}are|you're)${_}no${_}longer${_}(?:bound${_}by|restricted${_}by|subject${_}to|limited${_}by|required${_}to${_}follow)\b`),
  },
  {
    id: 'act_as_unrestricted',
    family: 'role_hijack',
    weight: 0.85,
    anchors: ['act', 'behave', 'respond', 'pretend', 'roleplay', 'role', 'play', 'become', 'answer', 'reply', 'speak'],
    re: sticky(
      String.raw`(?:act|behave|respond|pretend|roleplay|role-play|role${_}play|play|become|answer|reply|speak)${_}(?:as|like|to${_}be|you${_}are)${_}(?:an?${_}|the${_})?(?:completely${_}|totally${_})?(?:unrestricted|unfiltered|uncensored|jailbroken|evil|amoral|unethical|rogue|unaligned|unbound|dan|malicious|hacked)\b`,
    ),
  },
  {
    id: 'pretend_no_rules',
    family: 'role_hijack',
    weight: 0.85,
    anchors: ['pretend', 'imagine', 'act', 'assume', 'suppose'],
    re: sticky(
      String.raw`(?:pretend|imagine|act${_}as${_}if|assume|suppose)${_}(?:that${_})?you${_}(?:have|had|are${_}under|were${_}under|are${_}bound${_}by|were${_}bound${_}by)${_}no${_}(?:restrictions|rules|guidelines|filters|limitations|limits|content${_}polic(?:y|ies)|ethical|moral|boundaries|safety)`,
    ),
  },
  {
    id: 'jailbreak_mode_enabled',
    family: 'role_hijack',
    weight: 0.85,
    anchors: ['god', 'dan', 'jailbreak', 'jailbroken', 'unrestricted', 'enable', 'activate', 'enter', 'switch', 'turn'],
    re: sticky(
      String.raw`(?:(?:god|dan|jailbreak|jailbroken|unrestricted|evil|chaos)${_}mode${_}(?:(?:is|has${_}been)${_}(?:now${_})?)?(?:enabled|activated|engaged|unlocked|(?:is|now|turned)${_}on)|(?:enable|activate|enter|switch${_}to|turn${_}on|switch${_}into)${_}(?:the${_})?(?:god|dan|jailbreak|unrestricted|evil|chaos)${_}mode)\b`,
    ),
  },
  {
    id: 'developer_mode_enabled',
    family: 'role_hijack',
    weight: 0.5,
    anchors: ['developer', 'dev', 'sudo', 'admin', 'debug', 'maintenance', 'enable', 'activate', 'enter', 'switch', 'turn'],
    re: sticky(
      String.raw`(?:(?:developer|dev|sudo|admin|debug|maintenance)${_}mode${_}(?:(?:is|has${_}been)${_}(?:now${_})?)?(?:enabled|activated|engaged|unlocked|(?:is|now|turned)${_}on)|(?:enable|activate|enter|switch${_}to|turn${_}on|switch${_}into)${_}(?:the${_})?(?:developer|dev|sudo)${_}mode)\b`,
    ),
  },
  {
    id: 'model_in_special_mode',
    family: 'role_hijack',
    weight: 0.75,
    anchors: ['as', 'chatgpt', 'gpt', 'claude', 'gemini', 'you', 'the'],
    re: sticky(
      String.raw`(?:as${_}(?:the|a|an)${_}(?:developer[- ]mode|dan|jailbroken|unrestricted|unfiltered|god[- ]mode)${_}(?:model|ai|assistant|version|chatbot)|(?:chatgpt|gpt|claude|gemini|you|the${_}(?:ai|model|assistant))${_}with${_}(?:developer|dev|dan|god)${_}mode${_}(?:enabled|activated|on))\b`,
    ),
  },
  {
    id: 'do_anything_now',
    family: 'role_hijack',
    weight: 0.8,
    anchors: ['do'],
    re: sticky(String.raw`do${_}anything${_}now\b`),
  },
  {
    id: 'no_ethics',
    family: 'role_hijack',
    weight: 0.55,
    anchors: ['you', 'without', 'with', 'no'],
    re: sticky(
      String.raw`(?:you${_}(?:have|possess)${_}no|without${_}(?:any${_})?|with${_}no${_}|no${_})(?:ethical|moral|safety|content)${_}(?:guidelines|restrictions|limits|limitations|constraints|filters|boundaries|principles|compass)`,
    ),
  },
  {
    id: 'respond_without_restrictions',
    family: 'role_hijack',
    weight: 0.6,
    anchors: ['respond', 'answer', 'reply', 'speak', 'write', 'talk'],
    re: sticky(
      String.raw`(?:respond|answer|reply|speak|write|talk)${_}(?:to${_}(?:me|everything|all${_}questions)${_})?without${_}(?:any${_})?(?:restrictions|filters|filtering|censorship|refusals|limitations|warnings|disclaimers|moralizing)`,
    ),
  },
  {
    id: 'jailbreak_word',
    family: 'role_hijack',
    weight: 0.3,
    anchors: ['jailbreak', 'jailbroken'],
    re: sticky(String.raw`jailbr(?:eak|oken)`),
  },
  {
    id: 'stay_in_character',
    family: 'role_hijack',
    weight: 0.3,
    anchors: ['stay', 'remain', 'never', 'don', 'do'],
    re: sticky(String.raw`(?:stay|remain)${_}in${_}character\b|(?:never|don'?t|do${_}not)${_}break${_}character\b`),
  },

  // ── system prompt exfiltration ──────────────────────────────────────────
  {
    id: 'reveal_system_prompt',
    family: 'system_prompt_exfiltration',
    weight: 0.85,
    anchors: ['reveal', 'print', 'show', 'output', 'repeat', 'display', 'leak', 'dump', 'expose', 'disclose', 'recite', 'write', 'tell', 'give', 'share', 'copy', 'paste', 'spell', 'list', 'echo', 'return', 'send', 'provide', 'type', 'read', 'summarize', 'translate'],
    re: sticky(
      String.raw`(?:reveal|print|show|output|repeat|display|leak|dump|expose|disclose|recite|write${_}out|write${_}down|tell|give|share|copy|paste|spell${_}out|list|echo|return|send|provide|type${_}out|read${_}(?:back|out)|summarize|translate)${_}(?:(?:me|us)${_})?(?:(?:all|each|every|back)${_})?(?:of${_})?(?:your|its|this${_}ai's|the${_}ai's|the${_}assistant's|the${_}model's|the${_}bot's)${_}(?:(?:entire|full|complete|exact|original|hidden|secret|initial|internal|confidential|underlying|real|actual|first|private)${_})*(?:system${_}(?:prompt|message|instructions?|rules|configuration)|initial${_}(?:prompt|instructions?)|hidden${_}(?:prompt|instructions?|rules)|(?:developer|dev)${_}(?:message|prompt|instructions?)|pre-?prompt|meta${__}prompt|prompt${_}(?:instructions|template)|instructions${_}(?:you${_}(?:were|have${_}been)${_}given|above|verbatim)|(?:original|initial|hidden|secret|confidential)${_}instructions)`,
    ),
  },
  {
    id: 'reveal_the_system_prompt',
    family: 'system_prompt_exfiltration',
    weight: 0.6,
    anchors: ['reveal', 'print', 'show', 'output', 'repeat', 'display', 'leak', 'dump', 'expose', 'disclose', 'recite', 'write', 'tell', 'give', 'share', 'copy', 'paste', 'spell', 'list', 'echo', 'return', 'send', 'provide', 'type', 'read', 'summarize', 'translate'],
    re: sticky(
      String.raw`(?:reveal|print|show|output|repeat|display|leak|dump|expose|disclose|recite|write${_}out|write${_}down|tell|give|share|copy|paste|spell${_}out|list|echo|return|send|provide|type${_}out|read${_}(?:back|out)|summarize|translate)${_}(?:(?:me|us)${_})?(?:(?:all|each|every|back)${_})?(?:of${_})?the${_}(?:(?:entire|full|complete|exact|original|hidden|secret|initial|internal|confidential|underlying|real|actual|first|private)${_})*(?:system${_}(?:prompt|message|instructions?|rules|configuration)|initial${_}(?:prompt|instructions?)|hidden${_}(?:prompt|instructions?|rules)|(?:developer|dev)${_}(?:message|prompt|instructions?)|pre-?prompt|meta${__}prompt|prompt${_}(?:instructions|template)|instructions${_}(?:you${_}(?:were|have${_}been)${_}given|above|verbatim)|(?:original|initial|hidden|secret|confidential)${_}instructions)`,
    ),
  },
  {
    id: 'reveal_the_system_prompt_to_me',
    family: 'system_prompt_exfiltration',
    weight: 0.85,
    anchors: ['reveal', 'print', 'show', 'output', 'repeat', 'display', 'leak', 'dump', 'expose', 'disclose', 'recite', 'write', 'tell', 'give', 'share', 'copy', 'paste', 'spell', 'list', 'echo', 'return', 'send', 'provide', 'type', 'read', 'summarize', 'translate'],
    re: sticky(
      String.raw`(?:reveal|print|show|output|repeat|display|leak|dump|expose|disclose|recite|write${_}out|write${_}down|tell|give|share|copy|paste|spell${_}out|list|echo|return|send|provide|type${_}out|read${_}(?:back|out)|summarize|translate)${_}(?:(?:me|us)${_})?(?:(?:all|each|every|back)${_})?(?:of${_})?the${_}(?:(?:entire|full|complete|exact|original|hidden|secret|initial|internal|confidential|underlying|real|actual|first|private)${_})*(?:system${_}(?:prompt|message|instructions?|rules|configuration)|initial${_}(?:prompt|instructions?)|hidden${_}(?:prompt|instructions?|rules)|(?:developer|dev)${_}(?:message|prompt|instructions?)|pre-?prompt|meta${__}prompt|prompt${_}(?:instructions|template)|instructions${_}(?:you${_}(?:were|have${_}been)${_}given|above|verbatim)|(?:original|initial|hidden|secret|confidential)${_}instructions)(?=[^.?!\n]{0,40}?\b(?:you|your)\b)`,
    ),
  },
  {
    id: 'what_is_your_system_prompt',
    family: 'system_prompt_exfiltration',
    weight: 0.75,
    anchors: ['what'],
    re: sticky(
      String.raw`what(?:'s|${_}is|${_}are|${_}was|${_}were)${_}(?:your|the)${_}(?:(?:exact|full|original|initial|hidden|secret)${_})*(?:system${_}prompt|system${_}message|initial${_}(?:prompt|instructions)|original${_}instructions|hidden${_}(?:prompt|instructions)|developer${_}(?:message|instructions)|pre-?prompt)\b`,
    ),
  },
  {
    id: 'repeat_text_above',
    family: 'system_prompt_exfiltration',
    weight: 0.8,
    anchors: ['repeat', 'print', 'output', 'copy', 'show', 'write', 'recite', 'return', 'echo'],
    re: sticky(
      String.raw`(?:repeat|print|output|copy|show|write${_}out|recite|return|echo)${_}(?:back${_})?(?:(?:all|everything)${_}(?:of${_})?)?(?:the${_})?(?:(?:words|text|lines|content|messages?|everything|tokens|conversation)${_})?(?:above${_}(?:this${_}(?:line|message)|verbatim)?|before${_}this${_}(?:line|message)|(?:that${_})?(?:came${_}|written${_}|appears${_})?(?:above|before${_}(?:this|my${_}message))|preceding${_}this|from${_}the${_}(?:very${_})?(?:beginning|start)${_}(?:of${_}(?:the|this)${_}(?:conversation|chat|context|prompt))?)`,
    ),
  },
  {
    id: 'begin_reply_with',
    family: 'system_prompt_exfiltration',
    weight: 0.45,
    anchors: ['begin', 'start'],
    re: sticky(String.raw`(?:begin|start)${_}your${_}(?:reply|response|answer|output)${_}with${_}["“'\x60]?(?:here${_}(?:is|are)|sure|certainly|my${_}(?:system${_})?(?:prompt|instructions)|the${_}system${_}prompt|i${_}am${_}dan)`),
  },
  {
    id: 'instructions_verbatim',
    family: 'system_prompt_exfiltration',
    weight: 0.6,
    anchors: ['instructions', 'prompt', 'rules', 'guidelines'],
    re: sticky(String.raw`(?:instructions|prompt|rules|guidelines)\b[^.\n]{0,40}?\b(?:verbatim|word${_}for${_}word|in${_}full|exactly${_}as${_}(?:written|given))`),
  },

  // ── delimiter and markup smuggling ──────────────────────────────────────
  {
    id: 'chat_template_token',
    family: 'delimiter_smuggling',
    weight: 0.85,
    anchors: ['<|'],
    re: sticky(String.raw`<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_turn|start_of_turn)\|>`),
  },
  {
    id: 'llama_inst_markers',
    family: 'delimiter_smuggling',
    weight: 0.8,
    anchors: ['[inst]', '[/inst]', '<<sys>>', '<</sys>>'],
    re: sticky(String.raw`(?:\[\/?INST\]|<<\/?SYS>>)`),
  },
  {
    id: 'fake_role_tag',
    family: 'delimiter_smuggling',
    weight: 0.6,
    anchors: ['<system', '</system', '<sys', '</sys', '<instructions', '</instructions', '<developer', '</developer', '<admin', '</admin', '</user', '<assistant', '</assistant', '</context', '</document', '</input'],
    re: sticky(
      String.raw`<\/?(?:system|sys|system_prompt|system-prompt|instructions?|developer|admin|user|assistant|context|document|input|user_input)(?:${_}[^>]{0,40})?>`,
    ),
  },
  {
    id: 'role_tag_switch',
    family: 'delimiter_smuggling',
    weight: 0.85,
    anchors: ['</user', '</human', '</input', '</user_input', '</context', '</document', '</query'],
    re: sticky(String.raw`<\/(?:user|human|input|user_input|context|document|query)>${__}<(?:system|sys|assistant|developer|admin|instructions?)\b`),
  },
  {
    id: 'markdown_system_header',
    family: 'delimiter_smuggling',
    weight: 0.55,
    anchors: ['##'],
    re: sticky(String.raw`#{2,}${__}(?:new${_})?(?:system|instructions|admin|developer|override|system${_}(?:prompt|message|override))\b\s*:?\s*$`, 'im'),
  },
  {
    id: 'end_of_input_marker',
    family: 'delimiter_smuggling',
    weight: 0.55,
    anchors: ['end', 'begin', 'start', '---', '==='],
    re: sticky(
      String.raw`(?:[-=*#]{3,}${__})?(?:end|begin|start)${_}of${_}(?:the${_})?(?:user${_}(?:input|message|prompt|query)|system${_}(?:prompt|message|instructions)|instructions|prompt|conversation|context|document|untrusted${_}(?:input|content))\b(?:${__}[-=*#]{3,})?`,
    ),
  },
  {
    id: 'inline_role_prefix',
    family: 'delimiter_smuggling',
    weight: 0.4,
    anchors: ['system', 'assistant', 'developer', 'admin'],
    re: sticky(String.raw`(?:system|assistant|developer|admin(?:istrator)?)${__}(?:message|prompt|note|override)?${__}:${__}(?=\S)`),
  },
  {
    id: 'html_comment_instruction',
    family: 'delimiter_smuggling',
    weight: 0.6,
    anchors: ['<!--'],
    re: sticky(String.raw`<!--(?:(?!-->)[\s\S]){0,400}?\b(?:ignore|disregard|assistant|ai|llm|model|instructions?|you${_}must|do${_}not${_}tell|system${_}prompt)\b(?:(?!-->)[\s\S]){0,400}?-->`),
  },

  // ── encoded instructions (the base64/hex payload signal is computed in score.ts) ──
  {
    id: 'decode_and_follow',
    family: 'encoded_instructions',
    weight: 0.75,
    anchors: ['decode', 'decipher', 'base64', 'rot13', 'unscramble', 'decrypt', 'reverse', 'translate'],
    re: sticky(
      String.raw`(?:decode|decipher|base64-?decode|rot13|unscramble|decrypt|reverse|translate)\b[^\n]{0,80}?\b(?:and|then)${_}(?:follow|execute|obey|do|run|perform|carry${_}out|act${_}on|comply${_}with|apply)\b`,
    ),
  },

  // ── instructions addressed to the model inside content it reads ─────────
  {
    id: 'addressed_to_ai',
    family: 'tool_result_instructions',
    weight: 0.7,
    anchors: ['ai', 'assistant', 'model', 'llm', 'agent', 'chatbot', 'gpt', 'chatgpt', 'claude', 'gemini', 'copilot', 'dear'],
    re: sticky(
      String.raw`(?:dear${_})?(?:ai|assistant|model|llm|agent|chatbot|gpt|chatgpt|claude|gemini|copilot)${__}[,:]${__}(?:you${_}must|you${_}should|you${_}will|please${_}(?:ignore|forward|send|delete|run|execute|call)|ignore|disregard|immediately|do${_}not|don't|stop|forward|send|call|execute|run|delete|now${_}(?:you|ignore|send|forward))\b`,
    ),
  },
  {
    id: 'note_to_ai',
    family: 'tool_result_instructions',
    weight: 0.75,
    anchors: ['note', 'message', 'instruction', 'instructions', 'attention', 'important', 'hidden'],
    re: sticky(
      String.raw`(?:note|message|instructions?|attention|important${_}(?:note|message|instructions?)?|hidden${_}instructions?)${_}(?:to|for)${_}(?:the${_}|any${_}|all${_})?(?:ai|assistant|model|llm|agent|language${_}model|chatbot|ai${_}assistant|ai${_}agent|automated${_}(?:agent|assistant|system))s?\b`,
    ),
  },
  {
    id: 'if_you_are_an_ai',
    family: 'tool_result_instructions',
    weight: 0.7,
    anchors: ['if', 'when', 'any'],
    re: sticky(
      String.raw`(?:(?:if|when)${_}you${_}are${_}(?:an?${_})?|any${_})(?:ai|assistant|language${_}model|llm|agent|chatbot|ai${_}(?:model|assistant|agent))(?:${_}(?:reading|processing|summari[sz]ing|parsing|that${_}reads?))?\b`,
    ),
  },
  {
    id: 'hide_from_user',
    family: 'tool_result_instructions',
    weight: 0.75,
    anchors: ['do', 'don', 'never', 'without'],
    re: sticky(
      String.raw`(?:(?:(?:do${_}not|don'?t|never)${_}(?:tell|inform|mention${_}(?:this${_})?to|reveal${_}(?:this${_})?to|show${_}(?:this${_})?to|alert|notify|let)|without${_}(?:telling|informing|alerting|notifying|letting))${_}(?:this${_}to${_})?(?:the${_})?(?:user|human|customer|operator)s?|(?:do${_}not|don'?t|never)${_}(?:mention|reveal|disclose|acknowledge|repeat)${_}(?:this|these|the(?:se)?${_}(?:above|hidden))${_}(?:instructions?|message|note|text|directive))\b`,
    ),
  },
  {
    id: 'exfiltrate_data',
    family: 'tool_result_instructions',
    weight: 0.85,
    anchors: ['send', 'forward', 'upload', 'post', 'exfiltrate', 'email', 'transmit', 'leak', 'copy', 'submit'],
    re: sticky(
      String.raw`(?:send|forward|upload|post|exfiltrate|email|transmit|leak|copy|submit)${_}(?:(?:all|of|the|their|his|her|any|every|this|my|our)${_}){0,3}(?:(?:user|customer|client)(?:'s|s'|s)?${_})?(?:private${_}|personal${_}|saved${_})?(?:data|conversation|chat${_}history|messages|credentials|passwords?|api${_}keys?|keys|tokens?|secrets?|files|emails|contacts|history|cookies|session|ssh${_}keys?|env(?:ironment)?${_}variables)\b[^\n]{0,80}?(?:https?:\/\/|\bto${_}\S+@\S+|\bwebhook\b|\bendpoint\b)`,
    ),
  },
  {
    id: 'markdown_image_exfil',
    family: 'tool_result_instructions',
    weight: 0.7,
    anchors: ['!['],
    re: sticky(String.raw`!\[[^\]\n]{0,80}\]\(https?:\/\/[^)\s]{1,200}[?&][^)\s=]{1,40}=(?:\{|\$|%7B|\[|<)`),
  },
  {
    id: 'call_tool_directive',
    family: 'tool_result_instructions',
    weight: 0.45,
    anchors: ['call', 'invoke', 'use', 'run', 'execute', 'trigger'],
    re: sticky(String.raw`(?:call|invoke|use|run|execute|trigger)${_}the${_}[\x60'"]?[a-z_][\w.-]{2,40}[\x60'"]?${_}(?:tool|function|action|plugin|command)${_}(?:with|to|and|now|immediately|on)\b`),
  },
  {
    id: 'when_you_read_this',
    family: 'tool_result_instructions',
    weight: 0.5,
    anchors: ['when', 'once', 'after', 'upon', 'while'],
    re: sticky(String.raw`(?:when|once|after|upon|while)${_}(?:you${_})?(?:read|reading|see|seeing|process|processing|summari[sz]e|summari[sz]ing|parse|parsing)${_}this\b`),
  },
  {
    id: 'attention_marker',
    family: 'tool_result_instructions',
    weight: 0.35,
    anchors: ['important', 'urgent', 'attention', 'system', 'admin', 'administrator', 'override', 'critical'],
    // Shouted markers only: "IMPORTANT:" in a web page read by a tool, not "important:" in prose.
    re: sticky(String.raw`(?:IMPORTANT|URGENT|ATTENTION|SYSTEM(?: OVERRIDE| NOTICE| MESSAGE)?|ADMIN(?:ISTRATOR)?(?: NOTE| MESSAGE| NOTICE)?|OVERRIDE|CRITICAL(?: INSTRUCTION)?)\s*[:!]`, ''),
  },
];

/** Every anchor, longest first so `[/inst]` wins over shorter prefixes. */
export function allAnchors(): string[] {
  const set = new Set<string>();
  for (const s of SIGNALS) for (const a of s.anchors) set.add(a);
  return [...set].sort((a, b) => b.length - a.length);
}
