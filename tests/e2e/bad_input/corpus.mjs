// The bad-input corpus of gw serve, generated: every entry is one request (or one raw byte
// sequence) and the exact answer it must get. Nothing here talks to a server; see
// ../bad_input.test.mjs for the runner and client.mjs for the raw HTTP client.
//
// An entry: {
//   name      "category/label", unique; a failure names it
//   cat       the category (one node:test case each)
//   server    'open' (auth = "none", the default) or 'keys' (auth = "keys")
//   tag       "biN": the entry's own model is fake/biN when the model is not under test, so
//             anything the fake upstream receives is traced back to the entry that sent it
//   json | body | raw
//             json: a value sent as the JSON body of POST /v1/chat/completions;
//             body: the exact body bytes (string or Buffer) of that POST;
//             raw:  the exact request bytes (a Buffer, or an array written apart)
//   method, path, headers   for json/body: the request line and extra [name, value] headers
//                           (values may hold any byte; they are written as they are)
//   expect {status: n | [n...], type, code, param}: type/code/param are checked when present
//          (undefined = not checked, null = must be null, RegExp = must match); an answer
//          with status >= 400 must carry the OpenAI error shape unless noBody
//   want, minWant, heads   raw only: how many answers to read (at least minWant must come);
//                          which of them answer a HEAD
//   marker    a piece of a big client string that no response header may contain
//   upstream  true when the request may reach the fake upstream (default: when 200 is an
//             acceptable status)
//   check(result) extra assertions; returns a problem string or undefined
//   timeoutMs
// }

// Characters that must never reach a header, an upstream URL or a log unescaped.
export const CONTROLS = {
  CR: '\r', LF: '\n', CRLF: '\r\n', NUL: '\u0000', ESC: '\u001b', DEL: '\u007f', TAB: '\t',
  BS: '\b', VT: '\u000b', FF: '\f', US: '\u001f', NEL: '\u0085', LS: '\u2028', PS: '\u2029',
};

const user = (content = 'hi') => [{ role: 'user', content }];
const tool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const invalidRequest = (extra = {}) => ({ status: 400, type: 'invalid_request_error', ...extra });
const invalidType = (param) => invalidRequest({ param, code: 'invalid_type' });
const invalidModel = () => invalidRequest({ param: 'model', code: 'invalid_model' });

// Builds the corpus. `key` is a valid gk- secret of the auth = "keys" server.
export function buildCorpus({ maxBody, key }) {
  const entries = [];
  let n = 0;
  // spec: an object, or a function of (model, tag) giving one.
  const add = (cat, label, spec) => {
    const tag = `bi${n++}`;
    const model = `fake/${tag}`;
    const e = { cat, name: `${cat}/${label}`, tag, model, server: 'open', ...(typeof spec === 'function' ? spec(model, tag) : spec) };
    if (entries.some((x) => x.name === e.name)) throw new Error(`duplicate corpus entry ${e.name}`);
    const statuses = [].concat(e.expect.status);
    if (e.upstream === undefined) e.upstream = statuses.includes(200);
    entries.push(e);
  };
  // A chat body with one field replaced (or removed, with undefined).
  const chat = (model, extra = {}) => {
    const b = { model, messages: user(), ...extra };
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete b[k];
    return b;
  };

  // ---------------------------------------------------------------- wrong types, per field
  const T = 'types';
  const wrong = {
    string: [['number', 1], ['float', 1.5], ['true', true], ['array', []], ['object', {}]],
    number: [['string', 'hot'], ['numeric-string', '1'], ['true', true], ['array', []], ['object', {}]],
    integer: [['string', '5'], ['float', 1.5], ['true', true], ['array', [1]], ['object', {}]],
    boolean: [['string', 'true'], ['number', 1], ['zero', 0], ['array', []], ['object', {}]],
  };
  for (const [v, x] of wrong.string) add(T, `model=${v}`, () => ({ json: chat(x), expect: invalidType('model') }));
  add(T, 'model=null', () => ({ json: chat(null), expect: invalidRequest({ param: 'model' }) }));
  add(T, 'model=absent', () => ({ json: { messages: user() }, expect: invalidRequest({ param: 'model' }) }));
  add(T, 'model=empty', () => ({ json: chat(''), expect: invalidRequest({ param: 'model' }) }));
  add(T, 'model=array-of-string', (m) => ({ json: chat([m]), expect: invalidType('model') }));

  for (const [v, x] of [['string', 'hi'], ['object', {}], ['number', 1], ['true', true]])
    add(T, `messages=${v}`, (m) => ({ json: chat(m, { messages: x }), expect: invalidType('messages') }));
  add(T, 'messages=null', (m) => ({ json: chat(m, { messages: null }), expect: invalidRequest({ param: 'messages' }) }));
  add(T, 'messages=absent', (m) => ({ json: { model: m }, expect: invalidRequest({ param: 'messages' }) }));
  for (const [v, x] of [['null', null], ['string', 'hi'], ['number', 1], ['array', []], ['true', true]])
    add(T, `messages[0]=${v}`, (m) => ({ json: chat(m, { messages: [x] }), expect: invalidRequest({ param: 'messages[0]' }) }));
  add(T, 'messages[1]=string after a good one', (m) => ({ json: chat(m, { messages: [...user(), 'again'] }), expect: invalidRequest({ param: 'messages[1]' }) }));

  for (const [v, msg] of [['absent', { content: 'hi' }], ['number', { role: 1, content: 'hi' }], ['null', { role: null, content: 'hi' }],
    ['array', { role: ['user'], content: 'hi' }], ['object', { role: {}, content: 'hi' }]])
    add(T, `role=${v}`, (m) => ({ json: chat(m, { messages: [msg] }), expect: invalidRequest({ param: 'messages[0].role' }) }));

  for (const [v, x] of [['number', 1], ['true', true], ['object', {}], ['object-text', { type: 'text', text: 'hi' }]])
    add(T, `content=${v}`, (m) => ({ json: chat(m, { messages: [{ role: 'user', content: x }] }), expect: invalidType('messages[0].content') }));
  const part = (p) => (m) => ({ json: chat(m, { messages: [{ role: 'user', content: [p] }] }) });
  const partCases = [
    ['number', 1, 'messages[0].content[0]'],
    ['null', null, 'messages[0].content[0]'],
    ['string', 'hi', 'messages[0].content[0]'],
    ['array', [], 'messages[0].content[0]'],
    ['no-type', {}, 'messages[0].content[0].type'],
    ['type=number', { type: 1, text: 'hi' }, 'messages[0].content[0].type'],
    ['type=null', { type: null, text: 'hi' }, 'messages[0].content[0].type'],
    ['type=unknown', { type: 'bogus', text: 'hi' }, 'messages[0].content[0].type'],
    ['text-absent', { type: 'text' }, 'messages[0].content[0].text'],
    ['text=number', { type: 'text', text: 1 }, 'messages[0].content[0].text'],
    ['text=null', { type: 'text', text: null }, 'messages[0].content[0].text'],
    ['text=object', { type: 'text', text: {} }, 'messages[0].content[0].text'],
    ['image_url-absent', { type: 'image_url' }, 'messages[0].content[0].image_url'],
    ['image_url=number', { type: 'image_url', image_url: 1 }, 'messages[0].content[0].image_url'],
    ['image_url=empty-object', { type: 'image_url', image_url: {} }, 'messages[0].content[0].image_url'],
    ['image_url.url=number', { type: 'image_url', image_url: { url: 1 } }, 'messages[0].content[0].image_url'],
    ['image_url.detail=number', { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 1 } }, 'messages[0].content[0].image_url.detail'],
  ];
  for (const [v, p, param] of partCases) add(T, `content[0]=${v}`, (m) => ({ ...part(p)(m), expect: invalidRequest({ param }) }));

  for (const [v, x] of [['number', 1], ['true', true], ['object', {}], ['array', ['a']]])
    add(T, `message.name=${v}`, (m) => ({ json: chat(m, { messages: [{ role: 'user', content: 'hi', name: x }] }), expect: invalidType('messages[0].name') }));
  add(T, 'message.refusal=number', (m) => ({ json: chat(m, { messages: [...user(), { role: 'assistant', content: 'x', refusal: 1 }, ...user()] }), expect: invalidType('messages[1].refusal') }));
  for (const [v, x] of [['number', 1], ['null', null], ['absent', undefined]])
    add(T, `tool message tool_call_id=${v}`, (m) => ({ json: chat(m, { messages: [...user(), { role: 'tool', content: 'r', ...(x === undefined ? {} : { tool_call_id: x }) }] }),
      expect: invalidRequest({ param: 'messages[1].tool_call_id' }) }));
  // A whole tool round (the call answered), so only the field under test is wrong.
  const asst = (calls) => (m) => ({ json: chat(m, { messages: [...user(), { role: 'assistant', content: null, tool_calls: calls }, { role: 'tool', tool_call_id: 'call_1', content: 'sunny' }] }) });
  for (const [v, x] of [['string', 'x'], ['number', 1], ['object', {}], ['true', true]])
    add(T, `tool_calls=${v}`, (m) => ({ ...asst(x)(m), expect: invalidType('messages[1].tool_calls') }));
  const call = (over) => ({ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' }, ...over });
  for (const [v, x, param] of [
    ['[0]=number', [1], 'messages[1].tool_calls[0]'],
    ['[0]=null', [null], 'messages[1].tool_calls[0]'],
    ['[0]=no-function', [{ id: 'call_1', type: 'function' }], 'messages[1].tool_calls[0].function'],
    ['[0].function=string', [call({ function: 'f' })], 'messages[1].tool_calls[0].function'],
    ['[0].id=number', [call({ id: 1 })], 'messages[1].tool_calls[0].id'],
    ['[0].function.name=number', [call({ function: { name: 1, arguments: '{}' } })], 'messages[1].tool_calls[0].function.name'],
    ['[0].function.arguments=object', [call({ function: { name: 'get_weather', arguments: { city: 'Paris' } } })], 'messages[1].tool_calls[0].function.arguments'],
    ['[0].function.arguments=number', [call({ function: { name: 'get_weather', arguments: 1 } })], 'messages[1].tool_calls[0].function.arguments'],
  ]) add(T, `tool_calls${v}`, (m) => ({ ...asst(x)(m), expect: invalidRequest({ param }) }));

  for (const [v, x] of [['string', 'x'], ['number', 1], ['object', {}], ['true', true]])
    add(T, `tools=${v}`, (m) => ({ json: chat(m, { tools: x }), expect: invalidType('tools') }));
  for (const [v, x, param] of [
    ['[0]=number', [1], 'tools[0]'],
    ['[0]=null', [null], 'tools[0]'],
    ['[0]=string', ['get_weather'], 'tools[0]'],
    ['[0]=no-function', [{ type: 'function' }], 'tools[0].function'],
    ['[0].function=string', [{ type: 'function', function: 'f' }], 'tools[0].function'],
    ['[0].function.name-absent', [{ type: 'function', function: {} }], 'tools[0].function.name'],
    ['[0].function.name=number', [{ type: 'function', function: { name: 1 } }], 'tools[0].function.name'],
    ['[0].function.name=empty', [{ type: 'function', function: { name: '' } }], 'tools[0].function.name'],
    ['[0].type=number', [{ ...tool, type: 1 }], 'tools[0].type'],
    ['[0].type=unknown', [{ ...tool, type: 'bogus' }], 'tools[0].type'],
    ['[0].function.parameters=string', [{ type: 'function', function: { name: 'f', parameters: 'x' } }], 'tools[0].function.parameters'],
    ['[0].function.description=number', [{ type: 'function', function: { name: 'f', description: 1 } }], 'tools[0].function.description'],
    ['[0].function.strict=string', [{ type: 'function', function: { name: 'f', strict: 'yes' } }], 'tools[0].function.strict'],
  ]) add(T, `tools${v}`, (m) => ({ json: chat(m, { tools: x }), expect: invalidRequest({ param }) }));

  for (const [v, x] of [['number', 1], ['true', true], ['array', []]])
    add(T, `tool_choice=${v}`, (m) => ({ json: chat(m, { tools: [tool], tool_choice: x }), expect: invalidType('tool_choice') }));
  for (const [v, x, param] of [
    ['unknown-string', 'bogus', 'tool_choice'],
    ['empty-object', {}, 'tool_choice'],
    ['object-without-function', { type: 'function' }, 'tool_choice'],
    ['function.name=number', { type: 'function', function: { name: 1 } }, 'tool_choice'],
  ]) add(T, `tool_choice=${v}`, (m) => ({ json: chat(m, { tools: [tool], tool_choice: x }), expect: invalidRequest({ param: new RegExp(`^${param.replace(/[.[\]]/g, '\\$&')}`) }) }));

  const typed = (field, kind, extra = {}) => {
    for (const [v, x] of wrong[kind]) add(T, `${field}=${v}`, (m) => ({ json: chat(m, { ...extra, [field]: x }), expect: invalidType(field) }));
  };
  for (const f of ['temperature', 'top_p', 'frequency_penalty', 'presence_penalty']) typed(f, 'number');
  for (const f of ['n', 'max_tokens', 'max_completion_tokens', 'seed', 'top_logprobs']) typed(f, 'integer');
  for (const f of ['stream', 'parallel_tool_calls', 'logprobs']) typed(f, 'boolean');
  for (const [v, x] of [['number', 1], ['true', true], ['object', {}], ['array-of-number', [1]], ['array-of-null', [null]], ['array-of-array', [[]]]])
    add(T, `stop=${v}`, (m) => ({ json: chat(m, { stop: x }), expect: invalidType('stop') }));
  for (const [v, x] of [['string', 'x'], ['number', 1], ['true', true], ['array', []]])
    add(T, `stream_options=${v}`, (m) => ({ json: chat(m, { stream: true, stream_options: x }), expect: invalidType('stream_options') }));
  for (const [v, x] of [['string', 'yes'], ['number', 1]])
    add(T, `stream_options.include_usage=${v}`, (m) => ({ json: chat(m, { stream: true, stream_options: { include_usage: x } }), expect: invalidRequest({ param: /^stream_options/ }) }));
  for (const [v, x] of [['string', 'json'], ['number', 1], ['true', true], ['array', []]])
    add(T, `response_format=${v}`, (m) => ({ json: chat(m, { response_format: x }), expect: invalidRequest({ param: 'response_format' }) }));
  for (const [v, x] of [['empty-object', {}], ['type=number', { type: 1 }], ['type=unknown', { type: 'bogus' }], ['json_schema-without-schema', { type: 'json_schema' }]])
    add(T, `response_format=${v}`, (m) => ({ json: chat(m, { response_format: x }), expect: invalidRequest({ param: /^response_format/ }) }));
  for (const [v, x] of [['string', 'x'], ['number', 1], ['true', true], ['array', []], ['non-numeric-key', { abc: 1 }], ['value=string', { 50256: 'x' }], ['value-above-100', { 50256: 101 }]])
    add(T, `logit_bias=${v}`, (m) => ({ json: chat(m, { logit_bias: x }), expect: invalidRequest({ param: /^logit_bias/ }) }));
  for (const [v, x] of wrong.string) add(T, `user=${v}`, (m) => ({ json: chat(m, { user: x }), expect: invalidType('user') }));
  for (const [v, x] of [['string', 'x'], ['number', 1], ['true', true], ['array', []]])
    add(T, `metadata=${v}`, (m) => ({ json: chat(m, { metadata: x }), expect: invalidType('metadata') }));
  for (const [v, x] of [['value=number', { a: 1 }], ['value=object', { a: {} }],
    ['17-keys', Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))],
    ['key-65-chars', { ['k'.repeat(65)]: 'v' }], ['value-513-chars', { a: 'v'.repeat(513) }]])
    add(T, `metadata.${v}`, (m) => ({ json: chat(m, { metadata: x }), expect: invalidRequest({ param: /^metadata/ }) }));

  // ---------------------------------------------------------------- values out of range
  const V = 'values';
  for (const [f, x, code] of [
    ['temperature', -0.1, 'decimal_out_of_range'], ['temperature', 2.01, 'decimal_out_of_range'], ['temperature', 1e308, 'decimal_out_of_range'],
    ['top_p', -0.1, 'decimal_out_of_range'], ['top_p', 1.01, 'decimal_out_of_range'],
    ['presence_penalty', 2.5, 'decimal_out_of_range'], ['frequency_penalty', -2.5, 'decimal_out_of_range'],
    ['n', 0, undefined], ['n', -1, undefined], ['n', 129, undefined],
    ['max_tokens', 0, 'integer_below_min_value'], ['max_tokens', -5, 'integer_below_min_value'],
    ['max_completion_tokens', 0, 'integer_below_min_value'],
    ['top_logprobs', -1, 'integer_out_of_range'], ['top_logprobs', 21, 'integer_out_of_range'],
  ]) add(V, `${f}=${x}`, (m) => ({ json: chat(m, { [f]: x }), expect: invalidRequest({ param: f, ...(code ? { code } : {}) }) }));
  add(V, 'stop=5-sequences', (m) => ({ json: chat(m, { stop: ['a', 'b', 'c', 'd', 'e'] }), expect: invalidRequest({ param: 'stop' }) }));
  add(V, 'messages=empty-array', (m) => ({ json: chat(m, { messages: [] }), expect: invalidRequest({ param: 'messages' }) }));
  for (const r of ['bogus', '', 'USER', 'user '])
    add(V, `role=${JSON.stringify(r)}`, (m) => ({ json: chat(m, { messages: [{ role: r, content: 'hi' }] }), expect: invalidRequest({ param: 'messages[0].role' }) }));
  add(V, 'stream_options-with-stream=false', (m) => ({ json: chat(m, { stream: false, stream_options: { include_usage: true } }), expect: invalidRequest({ param: 'stream_options' }) }));
  add(V, 'stream_options-without-stream', (m) => ({ json: chat(m, { stream_options: { include_usage: true } }), expect: invalidRequest({ param: 'stream_options' }) }));

  // ---------------------------------------------------------------- JSON syntax
  const J = 'json';
  const parseError = () => invalidRequest({ param: null });
  for (const [v, b] of [['empty', ''], ['space', ' '], ['newline', '\n'], ['CRLF', '\r\n']])
    add(J, `body=${v}`, { body: b, expect: parseError() });
  for (const [v, b] of [['[]', '[]'], ['[{}]', '[{}]'], ['string', '"x"'], ['number', '1'], ['negative', '-1'], ['true', 'true'], ['null', 'null']])
    add(J, `top-level=${v}`, { body: b, expect: invalidRequest() });
  add(J, 'top-level=array-of-request', (m) => ({ body: JSON.stringify([chat(m)]), expect: invalidRequest() }));
  add(J, 'top-level=empty-object', { body: '{}', expect: invalidRequest({ param: 'model' }) });
  const good = (m) => JSON.stringify(chat(m));
  const syntax = [
    ['lone-brace', () => '{'],
    ['close-brace', () => '}'],
    ['key-only', () => '{"model"}'],
    ['key-colon', () => '{"model":}'],
    ['trailing-comma', (m) => good(m).slice(0, -1) + ',}'],
    ['trailing-comma-in-array', (m) => `{"model":"${m}","messages":[{"role":"user","content":"hi"},]}`],
    ['single-quotes', (m) => `{'model':'${m}','messages':[{'role':'user','content':'hi'}]}`],
    ['unquoted-keys', (m) => `{model:"${m}",messages:[{role:"user",content:"hi"}]}`],
    ['missing-comma', (m) => `{"model":"${m}" "messages":[{"role":"user","content":"hi"}]}`],
    ['trailing-garbage', (m) => good(m) + 'x'],
    ['two-objects', (m) => good(m) + good(m)],
    ['line-comment', (m) => good(m) + '//c'],
    ['block-comment', (m) => '/*c*/' + good(m)],
    ['bad-escape', (m) => `{"model":"${m}","messages":[{"role":"user","content":"\\x41"}]}`],
    ['short-unicode-escape', (m) => `{"model":"${m}","messages":[{"role":"user","content":"\\u12"}]}`],
    ['raw-newline-in-string', (m) => `{"model":"${m}","messages":[{"role":"user","content":"a\nb"}]}`],
    ['raw-tab-in-string', (m) => `{"model":"${m}","messages":[{"role":"user","content":"a\tb"}]}`],
    ['raw-NUL-in-string', (m) => `{"model":"${m}","messages":[{"role":"user","content":"a\u0000b"}]}`],
    ['raw-CR-in-model', (m) => `{"model":"${m}\r","messages":[{"role":"user","content":"hi"}]}`],
    ['NUL-between-tokens', (m) => `{"model":"${m}",\u0000"messages":[{"role":"user","content":"hi"}]}`],
    ['lone-high-surrogate', (m) => `{"model":"${m}","messages":[{"role":"user","content":"\\ud800"}]}`],
    ['lone-low-surrogate', (m) => `{"model":"${m}","messages":[{"role":"user","content":"\\udc00x"}]}`],
    ['high-surrogate-then-letter', (m) => `{"model":"${m}","messages":[{"role":"user","content":"\\ud800\\u0041"}]}`],
    ['unclosed-string', (m) => `{"model":"${m}","messages":[{"role":"user","content":"hi}]}`],
    ['unclosed-array', (m) => `{"model":"${m}","messages":[{"role":"user","content":"hi"}}`],
    ['bare-word', () => 'hello'],
    ['form-encoded', (m) => `model=${m}&messages=hi`],
  ];
  for (const [label, f] of syntax) add(J, label, (m) => ({ body: f(m), expect: parseError() }));
  for (const lit of ['NaN', 'Infinity', '-Infinity', '01', '1.', '.5', '+1', '1e', '-', '0x10', 'tru', 'nul', 'True', '1_000', '--1'])
    add(J, `temperature=${lit}`, (m) => ({ body: `{"model":"${m}","messages":[{"role":"user","content":"hi"}],"temperature":${lit}}`, expect: parseError() }));

  // Truncation: a rich, valid body cut at many points (in strings, escapes, numbers, literals,
  // between tokens). No strict prefix of a JSON object is JSON.
  const rich = (m) => Buffer.from(JSON.stringify({
    model: m,
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'caf\u00e9 "q" \\ \n end' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ],
    tools: [tool], tool_choice: 'auto', temperature: 0.5, top_p: 1, max_tokens: 100, stop: ['\n\n'], stream: false,
    seed: -42, user: 'u', parallel_tool_calls: true, n: 1, frequency_penalty: 0, presence_penalty: -0.5, metadata: { task: 'x' },
  }).replace('caf\u00e9', 'caf\\u00e9'));
  add(J, 'rich-body-is-valid', (m) => ({ body: rich(m), expect: { status: 200 } }));
  {
    // The cut bodies share one model (none of them may reach the upstream, which the final
    // check would report as a request from no entry).
    const full = rich('fake/bi-truncated');
    const text = full.toString('latin1');
    const cuts = new Set([1, 2, 3, 9, text.length - 1, text.length - 2]);
    for (const [s, d] of [['"messages"', 3], ['\\u00e9', 3], ['\\u00e9', 6], ['true', 2], ['null', 3], ['-42', 1], ['0.5', 2],
      ['\\"', 1], ['\\n', 1], [':[', 1], ['},{', 1], ['},{', 2], ['"call_1"', 4], ['"tools"', 0]]) {
      const i = text.indexOf(s);
      if (i < 0) throw new Error(`rich body lacks ${s}`);
      cuts.add(i + d);
    }
    for (let i = 1; i <= 30; i++) cuts.add(Math.floor((text.length * i) / 31));
    for (const c of [...cuts].sort((a, b) => a - b))
      add(J, `truncated-at-${c}-of-${text.length}`, { body: full.subarray(0, c), expect: parseError() });
  }

  // Nesting: gw refuses more than 128 levels before building a DOM.
  const deep = (d, open = '[', close = ']') => open.repeat(d) + close.repeat(d);
  for (const [label, f] of [
    ['metadata-129-arrays', (m) => `{"model":"${m}","messages":[{"role":"user","content":"hi"}],"metadata":{"x":${deep(129)}}}`],
    ['extra-field-200-arrays', (m) => `{"model":"${m}","messages":[{"role":"user","content":"hi"}],"x_extra":${deep(200)}}`],
    ['content-5000-arrays', (m) => `{"model":"${m}","messages":[{"role":"user","content":${deep(5000)}}]}`],
    ['tools-parameters-300-objects', (m) => `{"model":"${m}","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${'{"a":'.repeat(300)}1${'}'.repeat(300)}}}]}`],
    ['top-level-100000-arrays', () => deep(100000)],
    ['top-level-100000-objects', () => '{"a":'.repeat(100000) + '1' + '}'.repeat(100000)],
    ['unclosed-100000-arrays', () => '['.repeat(100000)],
    ['unclosed-200000-objects', () => '{"a":'.repeat(200000)],
    ['model-then-100000-arrays', (m) => `{"model":"${m}","messages":${'['.repeat(100000)}`],
    ['alternating-200000', () => '[{"a":'.repeat(100000) + '1' + '}]'.repeat(100000)],
  ]) add(J, `deep-${label}`, (m) => ({ body: f(m), expect: invalidRequest() }));
  // The boundary: tools[0].function.parameters sits at level 5, so k more objects make 4 + k.
  const nestedParams = (m, k) => `{"model":"${m}","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${'{"a":'.repeat(k - 1)}{}${'}'.repeat(k - 1)}}}]}`;
  add(J, 'deep-exactly-128-levels-accepted', (m) => ({ body: nestedParams(m, 124), expect: { status: 200 } }));
  add(J, 'deep-129-levels', (m) => ({ body: nestedParams(m, 125), expect: invalidRequest({ param: null }) }));
  add(J, 'brackets-inside-strings-are-not-depth', (m) => ({ json: chat(m, { messages: user('['.repeat(10000) + '{"a":'.repeat(1000)) }), expect: { status: 200 } }));
  add(J, 'escaped-quotes-then-brackets-in-strings', (m) => ({ json: chat(m, { messages: user('\\"'.repeat(50) + '\\' + '['.repeat(500)) }), expect: { status: 200 } }));

  // Invalid UTF-8 as raw bytes: in a string, in the model, in a key, between tokens.
  const utf8 = [
    ['ff', [0xff]], ['fe', [0xfe]], ['lone-continuation', [0x80]], ['overlong-NUL', [0xc0, 0x80]], ['overlong-slash', [0xc1, 0xbf]],
    ['overlong-3-byte', [0xe0, 0x80, 0xaf]], ['utf8-surrogate', [0xed, 0xa0, 0x80]], ['above-10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['5-byte-form', [0xf8, 0x88, 0x80, 0x80, 0x80]], ['truncated-3-byte', [0xe2, 0x82]], ['truncated-2-byte', [0xc3]],
    ['latin1-e-acute', [0x63, 0x61, 0x66, 0xe9]],
  ];
  const withBytes = (pre, bytes, post) => Buffer.concat([Buffer.from(pre), Buffer.from(bytes), Buffer.from(post)]);
  for (const [label, bytes] of utf8)
    add(J, `utf8-content-${label}`, (m) => ({ body: withBytes(`{"model":"${m}","messages":[{"role":"user","content":"a`, bytes, '"}]}'), expect: invalidRequest() }));
  add(J, 'utf8-in-model', (m) => ({ body: withBytes(`{"model":"${m}`, [0xff], '","messages":[{"role":"user","content":"hi"}]}'), expect: invalidRequest() }));
  add(J, 'utf8-in-key', (m) => ({ body: withBytes(`{"model":"${m}","messages":[{"role":"user","content":"hi"}],"x`, [0xff], '":1}'), expect: invalidRequest() }));
  add(J, 'utf8-between-tokens', (m) => ({ body: withBytes(`{"model":"${m}",`, [0xff], '"messages":[{"role":"user","content":"hi"}]}'), expect: invalidRequest() }));
  add(J, 'utf8-in-user', (m) => ({ body: withBytes(`{"model":"${m}","messages":[{"role":"user","content":"hi"}],"user":"`, [0xed, 0xa0, 0x80], '"}'), expect: invalidRequest() }));
  add(J, 'utf16le-body', (m) => ({ body: Buffer.from(good(m), 'utf16le'), expect: invalidRequest() }));

  // Huge numbers: out of range for their field, or for any integer.
  for (const [f, lit] of [
    ['temperature', '1e400'], ['temperature', '-1e400'], ['top_p', '1e999999999'],
    ['max_tokens', '1e400'], ['max_tokens', '99999999999999999999999'], ['max_tokens', '18446744073709551616'], ['max_tokens', '1e300'],
    ['n', '1e300'], ['n', '-1e300'], ['seed', '18446744073709551615'], ['seed', '9223372036854775808'], ['seed', '-9223372036854775809'], ['seed', '1e19'], ['seed', '-1e300'],
    ['top_logprobs', '1e20'], ['max_completion_tokens', '1' + '0'.repeat(10000)], ['temperature', '0.' + '0'.repeat(10000) + '1e999999'],
  ]) add(J, `huge-${f}=${lit.length > 24 ? lit.slice(0, 12) + '…' + lit.length : lit}`, (m) => ({ body: `{"model":"${m}","messages":[{"role":"user","content":"hi"}],"${f}":${lit}}`, expect: invalidRequest() }));

  // Duplicate keys: whichever value gw uses, it must be the one it validated.
  const msgs = '"messages":[{"role":"user","content":"hi"}]';
  add(J, 'dup-model-last-has-CRLF', (m) => ({ body: `{"model":"${m}","model":"${m}\\r\\nX-Injected: 1",${msgs}}`, expect: invalidRequest() }));
  add(J, 'dup-model-first-has-CRLF', (m) => ({ body: `{"model":"${m}\\r\\nX-Injected: 1","model":"${m}",${msgs}}`, expect: { status: [200, 400] } }));
  add(J, 'dup-model-last-is-number', (m) => ({ body: `{"model":"${m}","model":1,${msgs}}`, expect: invalidRequest() }));
  add(J, 'dup-messages-last-invalid', (m) => ({ body: `{"model":"${m}",${msgs},"messages":"x"}`, expect: invalidRequest() }));
  add(J, 'dup-temperature-last-invalid', (m) => ({ body: `{"model":"${m}",${msgs},"temperature":1,"temperature":"hot"}`, expect: invalidRequest() }));
  add(J, 'dup-temperature-first-invalid', (m) => ({ body: `{"model":"${m}",${msgs},"temperature":"hot","temperature":1}`, expect: { status: [200, 400] } }));
  add(J, 'dup-role-last-invalid', (m) => ({ body: `{"model":"${m}","messages":[{"role":"user","role":"bogus","content":"hi"}]}`, expect: invalidRequest() }));
  add(J, 'dup-stream', (m) => ({ body: `{"model":"${m}",${msgs},"stream":true,"stream":false}`, expect: { status: [200, 400] } }));
  add(J, 'dup-user-last-number', (m) => ({ body: `{"model":"${m}",${msgs},"user":"a","user":1}`, expect: invalidRequest() }));

  // ---------------------------------------------------------------- the model string
  const M = 'model';
  for (const [cname, ch] of Object.entries(CONTROLS)) {
    add(M, `model-with-${cname}`, (m) => ({ json: chat(`${m}${ch}x`), expect: invalidModel() }));
  }
  for (const prov of ['fake', 'fakeanthropic', 'fakegemini', 'openai', 'anthropic', 'gemini'])
    add(M, `${prov}-header-injection`, (m, tag) => ({ json: chat(`${prov}/${tag}\r\nX-Injected: 1`), expect: invalidModel() }));
  add(M, 'model-CR-only-injection', (m) => ({ json: chat(`${m}\rX-Injected: 1`), expect: invalidModel() }));
  add(M, 'model-LF-only-injection', (m) => ({ json: chat(`${m}\nX-Injected: 1`), expect: invalidModel() }));
  for (const [label, model] of [
    ['gemini-traversal-query-fragment', 'gemini/../../admin/x?y#'],
    ['fakegemini-traversal-query-fragment', 'fakegemini/../../admin/x?y#'],
    ['gemini-method-and-key-smuggling', 'gemini/x:generateContent?key=abc&'],
    ['fakegemini-method-and-key-smuggling', 'fakegemini/x:generateContent?key=abc&'],
    ['fakegemini-traversal', 'fakegemini/../../admin/x'],
    ['fakegemini-dotdot-segment', 'fakegemini/a/../b'],
    ['fake-dotdot', 'fake/..'],
    ['fake-space', 'fake/a b'],
    ['fake-percent-dotdot', 'fake/%2e%2e'],
    ['fakegemini-percent-dotdot', 'fakegemini/%2e%2e/x'],
    ['fakegemini-percent-slash', 'fakegemini/a%2fb'],
    ['leading-space', ' fake/x'],
    ['trailing-space', 'fake/x '],
    ['question-mark', 'fake/a?b'],
    ['hash', 'fake/a#b'],
    ['backslash', 'fake/a\\b'],
    ['double-quote', 'fake/a"b'],
    ['single-quote', "fake/a'b"],
    ['angle-brackets', 'fake/<script>'],
    ['semicolon', 'fake/a;b'],
    ['comma', 'fake/a,b'],
    ['ampersand', 'fake/a&b'],
    ['asterisk', 'fake/a*b'],
    ['parentheses', 'fake/a(b)'],
    ['exclamation', 'fake/a!b'],
    ['tilde', 'fake/a~b'],
    ['dollar', 'fake/a$b'],
    ['pipe', 'fake/a|b'],
    ['backtick', 'fake/a`b'],
    ['braces', 'fake/{a}'],
    ['nbsp', 'fake/a\u00a0b'],
    ['zero-width-space', 'fake/a\u200bb'],
    ['bom', '\ufefffake/x'],
    ['rtl-override', 'fake/a\u202eb'],
  ]) add(M, label, (m, tag) => ({ json: chat(model.replace(/\/(?=[^/]*$)/, `/${tag}-`)), expect: invalidModel() }));
  // '=' is in gw's grammar (the fake upstream's directives are written "words=50").
  add(M, 'equals-is-in-the-grammar', (m) => ({ json: chat(`${m}+words=3`), expect: { status: 200 } }));
  add(M, 'length-256-accepted', (m) => ({ json: chat(m + '-' + 'a'.repeat(256 - m.length - 1)), expect: { status: 200 } }));
  add(M, 'length-257', (m) => ({ json: chat(m + '-' + 'a'.repeat(257 - m.length - 1)), expect: invalidModel() }));
  add(M, 'length-300', (m) => ({ json: chat(m + '-' + 'a'.repeat(300 - m.length - 1)), expect: invalidModel() }));
  add(M, 'length-64KiB', (m) => ({ json: chat(m + '-' + 'a'.repeat(65536)), expect: invalidModel() }));
  add(M, 'length-1MB', (m) => ({ json: chat(m + '-' + 'a'.repeat(1000000)), expect: { status: [400, 413], type: 'invalid_request_error' }, timeoutMs: 10000 }));
  add(M, 'length-800KB-of-CRLF', (m) => ({ json: chat(m + '\r\n'.repeat(200000)), expect: { status: [400, 413], type: 'invalid_request_error' }, timeoutMs: 10000 }));
  for (const [label, model] of [['unknown-provider', 'nope/TAG'], ['unknown-bare', 'TAG-unknown'], ['empty-after-slash', 'fake/'],
    ['empty-provider', '/TAG'], ['provider-case', 'FAKE/TAG'], ['provider-prefix', 'fakex/TAG'], ['only-slash', '/']])
    add(M, label, (m, tag) => ({ json: chat(model.replace('TAG', tag)), expect: { status: 404, type: 'invalid_request_error', code: 'model_not_found' } }));

  // ---------------------------------------------------------------- other strings that reach logs
  const S = 'strings';
  for (const [cname, ch] of Object.entries(CONTROLS)) {
    add(S, `user-with-${cname}`, (m) => ({ json: chat(m, { user: `u${ch}X-Injected: 1` }), expect: { status: [200, 400] } }));
    add(S, `metadata-value-with-${cname}`, (m) => ({ json: chat(m, { metadata: { task: `t${ch}X-Injected: 1`, note: `n${ch}` } }), expect: { status: [200, 400] } }));
  }
  add(S, 'user-ANSI-sequence', (m) => ({ json: chat(m, { user: '\u001b[31mred\u001b[0m\u001b]0;title\u0007' }), expect: { status: [200, 400] } }));
  // Header values: a CTL other than HTAB is refused by the HTTP parser (RFC 9110 5.5); obs-text
  // (U+2028 as UTF-8) is legal HTTP and must travel safely.
  const hdrBad = [['CR', '\r'], ['NUL', '\u0000'], ['ESC', '\u001b'], ['DEL', '\u007f'], ['BS', '\b'], ['VT', '\u000b'], ['FF', '\f'], ['US', '\u001f']];
  for (const h of ['x-gw-user', 'x-gw-task']) {
    for (const [cname, ch] of hdrBad)
      add(S, `${h}-with-${cname}`, (m) => ({ json: chat(m), headers: [[h, Buffer.from(`a${ch}b`, 'latin1')]], expect: invalidRequest({ param: null }) }));
    add(S, `${h}-with-bare-LF`, (m) => ({ json: chat(m), headers: [[h, Buffer.from('a\nb', 'latin1')]], expect: invalidRequest({ param: null }) }));
    add(S, `${h}-with-LS`, (m) => ({ json: chat(m), headers: [[h, 'a\u2028b\u2029c']], expect: { status: 200 } }));
    add(S, `${h}-with-TAB`, (m) => ({ json: chat(m), headers: [[h, 'a\tb']], expect: { status: 200 } }));
    add(S, `${h}-with-byte-ff`, (m) => ({ json: chat(m), headers: [[h, Buffer.from([0x61, 0xff, 0x62])]], expect: { status: [200, 400] } }));
    add(S, `${h}-8KiB`, (m) => ({ json: chat(m), headers: [[h, 'u'.repeat(8192)]], expect: { status: 200 } }));
  }
  add(S, 'x-gw-user-70KiB', (m) => ({ json: chat(m), headers: [['x-gw-user', 'u'.repeat(70000)]], expect: { status: 431, type: 'invalid_request_error' } }));
  add(S, 'authorization-with-ESC', (m) => ({ json: chat(m), headers: [['authorization', 'Bearer gk-\u001b[0m']], expect: invalidRequest({ param: null }) }));
  add(S, 'x-api-key-with-NUL', (m) => ({ json: chat(m), headers: [['x-api-key', Buffer.from('gk-\u0000', 'latin1')]], expect: invalidRequest({ param: null }) }));

  // ---------------------------------------------------------------- sizes
  const Z = 'size';
  const padTo = (json, size) => { const s = JSON.stringify(json); return s + ' '.repeat(size - Buffer.byteLength(s)); };
  add(Z, 'body-exactly-max_body_bytes', (m) => ({ body: padTo(chat(m), maxBody), expect: { status: 200 }, timeoutMs: 10000 }));
  add(Z, 'body-max_body_bytes+1', (m) => ({ body: padTo(chat(m), maxBody + 1), expect: { status: 413, type: 'invalid_request_error', code: 'request_too_large' }, timeoutMs: 10000 }));
  add(Z, 'body-2MiB-content', (m) => ({ json: chat(m, { messages: user('x'.repeat(2 * maxBody)) }), expect: { status: 413, type: 'invalid_request_error', code: 'request_too_large' }, timeoutMs: 10000 }));
  add(Z, 'content-length-10GB-no-body', (m) => ({ raw: Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{"model":"${m}"`), expect: { status: 413, code: 'request_too_large' } }));
  add(Z, 'chunked-body-over-max', (m) => {
    const piece = 'x'.repeat(65536);
    const chunks = [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`];
    const start = `{"model":"${m}","messages":[{"role":"user","content":"`;
    chunks.push(`${start.length.toString(16)}\r\n${start}\r\n`);
    for (let i = 0; i < 18; i++) chunks.push(`10000\r\n${piece}\r\n`);
    return { raw: Buffer.from(chunks.join('')), expect: { status: 413, code: 'request_too_large' }, timeoutMs: 10000 };
  });
  add(Z, 'user-1MB', (m) => ({ json: chat(m, { user: 'U'.repeat(1000000) }), expect: { status: [200, 400] }, marker: 'UUUUUUUUUUUUUUUU', timeoutMs: 10000 }));
  add(Z, 'metadata-value-1MB', (m) => ({ json: chat(m, { metadata: { task: 'T'.repeat(1000000) } }), expect: { status: [200, 400] }, marker: 'TTTTTTTTTTTTTTTT', timeoutMs: 10000 }));
  add(Z, 'x-gw-task-60KiB', (m) => ({ json: chat(m), headers: [['x-gw-task', 'k'.repeat(60000)]], expect: { status: [200, 400, 431] }, marker: 'kkkkkkkkkkkkkkkk' }));
  add(Z, 'post-without-length', (m) => ({ raw: Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n`), expect: { status: [400, 411], type: 'invalid_request_error' } }));
  add(Z, 'content-length-0', (m) => ({ body: '', expect: invalidRequest() }));

  // ---------------------------------------------------------------- raw HTTP shapes
  const R = 'raw';
  const bodyOf = (m, extra = {}) => JSON.stringify(chat(m, extra));
  const post = (m, headers = '', body = bodyOf(m), version = '1.1') =>
    `POST /v1/chat/completions HTTP/${version}\r\nHost: x\r\nContent-Type: application/json\r\n${headers}${headers && !headers.endsWith('\r\n') ? '\r\n' : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const r = (label, spec) => add(R, label, (m, tag) => {
    const s = typeof spec === 'function' ? spec(m, tag) : spec;
    return { ...s, raw: [].concat(s.raw).map((x) => Buffer.isBuffer(x) ? x : Buffer.from(x, 'latin1')) };
  });
  const bad = invalidRequest({ param: null });
  const hostless = (m, extra) => `POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json\r\n${extra}Content-Length: ${bodyOf(m).length}\r\n\r\n${bodyOf(m)}`;
  // Framing conflicts (request smuggling shapes).
  r('CL-and-TE', (m) => ({ raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, expect: bad }));
  r('TE-and-CL', (m) => ({ raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n`, expect: bad }));
  r('two-content-lengths-differ', (m) => ({ raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef`, expect: bad }));
  r('content-length-list-differs', (m) => ({ raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nabcdef`, expect: bad }));
  r('two-content-lengths-equal', (m) => ({ raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n`, expect: { status: [200, 400] } }));
  for (const [label, v] of [['negative', '-1'], ['plus', '+5'], ['hex', '0x10'], ['float', '5.0'], ['exponent', '1e3'], ['empty', ''], ['space-inside', '5 5'],
    ['overflow', '99999999999999999999999'], ['letters', 'five'], ['comma-only', ',']])
    r(`content-length-${label}`, { raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${v}\r\n\r\n`, expect: bad });
  r('TE-chunked-twice-one-line', { raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`, expect: bad });
  r('TE-chunked-twice-two-lines', { raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, expect: bad });
  r('TE-gzip-chunked', { raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, expect: { status: 501, type: 'invalid_request_error' } });
  r('TE-unknown', { raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`, expect: { status: 501, type: 'invalid_request_error' } });
  r('TE-chunked-then-identity', { raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`, expect: { status: [400, 501], type: 'invalid_request_error' } });
  r('TE-space-before-colon', { raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n`, expect: bad });
  r('CL-space-before-colon', { raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length : 2\r\n\r\n{}`, expect: bad });
  // Chunk sizes.
  const chunked = (m, chunkBytes) => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunkBytes}`;
  for (const [label, c] of [
    ['non-hex', 'zz\r\nhello\r\n0\r\n\r\n'], ['negative', '-5\r\nhello\r\n0\r\n\r\n'], ['overflow', 'ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n'],
    ['0x-prefix', '0x5\r\nhello\r\n0\r\n\r\n'], ['empty-size', '\r\nhello\r\n0\r\n\r\n'], ['missing-CRLF-after-data', '5\r\nhelloXX0\r\n\r\n'],
    ['data-longer-than-size', '2\r\nhello\r\n0\r\n\r\n'], ['space-before-size', ' 5\r\nhello\r\n0\r\n\r\n'], ['CR-without-LF', '5\rhello\r\n0\r\n\r\n'],
    ['plus-size', '+5\r\nhello\r\n0\r\n\r\n'],
  ]) r(`chunk-size-${label}`, (m) => ({ raw: chunked(m, c), expect: bad }));
  r('chunked-valid-with-extension-and-trailer', (m) => {
    const b = bodyOf(m);
    return { raw: chunked(m, `${b.length.toString(16)};name=value\r\n${b}\r\n0\r\nX-Trailer: 1\r\n\r\n`), expect: { status: 200 } };
  });
  // Header lines.
  r('header-without-colon', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n`, expect: bad });
  r('header-empty-name', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\n: value\r\n\r\n`, expect: bad });
  r('header-name-with-space', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n`, expect: bad });
  r('header-name-with-paren', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX(Y): z\r\n\r\n`, expect: bad });
  r('header-name-non-ascii', { raw: Buffer.concat([Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX'), Buffer.from([0xc3, 0xa9]), Buffer.from(': z\r\n\r\n')]), expect: bad });
  r('obs-fold-space', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n`, expect: bad });
  r('obs-fold-tab', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n`, expect: bad });
  r('obs-fold-first-line', { raw: `GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n`, expect: bad });
  r('header-value-bare-CR', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n`, expect: bad });
  r('header-value-NUL', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n`, expect: bad });
  // Request lines.
  for (const [label, line, status] of [
    ['double-space-before-target', 'GET  /healthz HTTP/1.1', 400], ['double-space-before-version', 'GET /healthz  HTTP/1.1', 400],
    ['space-in-target', 'GET /hea lthz HTTP/1.1', 400], ['trailing-space', 'GET /healthz HTTP/1.1 ', 400], ['tab-separators', 'GET\t/healthz\tHTTP/1.1', 400],
    ['no-version', 'GET /healthz', 400], ['lowercase-version', 'GET /healthz http/1.1', 400], ['version-1', 'GET /healthz HTTP/1', 400],
    ['version-1.10', 'GET /healthz HTTP/1.10', 400], ['version-11.1', 'GET /healthz HTTP/11.1', 400], ['version-garbage', 'GET /healthz HTTP/x.y', 400],
    ['version-2.0', 'GET /healthz HTTP/2.0', 505], ['version-3.0', 'GET /healthz HTTP/3.0', 505], ['version-0.9', 'GET /healthz HTTP/0.9', 505],
    ['method-non-token', 'G@T /healthz HTTP/1.1', 400], ['empty-method', ' /healthz HTTP/1.1', 400], ['control-in-target', 'GET /heal\u0001thz HTTP/1.1', 400],
    ['DEL-in-target', 'GET /heal\u007fthz HTTP/1.1', 400], ['only-method', 'GET', 400], ['leading-space', ' GET /healthz HTTP/1.1', 400],
  ]) r(`request-line-${label}`, { raw: `${line}\r\nHost: x\r\n\r\n`, expect: { status, type: 'invalid_request_error', param: null } });
  r('request-line-lowercase-method', { raw: `get /healthz HTTP/1.1\r\nHost: x\r\n\r\n`, expect: { status: [405, 501], type: 'invalid_request_error' } });
  r('request-line-8KiB-target', { raw: `GET /healthz?${'q'.repeat(8000)} HTTP/1.1\r\nHost: x\r\n\r\n`, expect: { status: 200 } });
  r('request-line-70KiB-target', { raw: `GET /${'a'.repeat(70000)} HTTP/1.1\r\nHost: x\r\n\r\n`, expect: { status: [414, 431], type: 'invalid_request_error' } });
  r('garbage-line', { raw: 'GARBAGE\r\n\r\n', expect: bad });
  r('tls-client-hello', { raw: Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]), expect: bad });
  r('binary-with-NUL', { raw: Buffer.from([0x00, 0x01, 0x02, 0x0d, 0x0a, 0x0d, 0x0a]), expect: bad });
  // Host (RFC 9112 3.2): exactly one, and a valid one, in every HTTP/1.1 request.
  r('no-host-GET', { raw: `GET /healthz HTTP/1.1\r\n\r\n`, expect: bad });
  r('no-host-POST-chat', (m) => ({ raw: hostless(m, ''), expect: bad }));
  r('two-hosts-differ', { raw: `GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`, expect: bad });
  r('two-hosts-equal', { raw: `GET /healthz HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n`, expect: bad });
  r('two-hosts-POST-chat', (m) => ({ raw: hostless(m, 'Host: a\r\nHost: b\r\n'), expect: bad }));
  r('host-list', { raw: `GET /healthz HTTP/1.1\r\nHost: a, b\r\n\r\n`, expect: bad });
  r('host-with-space', { raw: `GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n`, expect: bad });
  r('host-with-slash', { raw: `GET /healthz HTTP/1.1\r\nHost: a/b\r\n\r\n`, expect: bad });
  r('host-empty-is-allowed', { raw: `GET /healthz HTTP/1.1\r\nHost:\r\n\r\n`, expect: { status: 200 } });
  r('host-absent-HTTP/1.0-is-allowed', { raw: `GET /healthz HTTP/1.0\r\n\r\n`, expect: { status: 200 } });
  // HEAD: the head a GET would get, no body bytes (the next answer starts right after it).
  const head = (path, version = '1.1') => `HEAD ${path} HTTP/${version}\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`;
  const headCheck = (status) => (res) => {
    const [h, g] = res.responses;
    if (!g || g.status !== 200 || !/"status":"ok"/.test(g.body.toString())) return `the answer after the HEAD is not the GET's (body bytes after the HEAD answer?): ${JSON.stringify(res.raw.toString('latin1').slice(0, 300))}`;
    if (h.status !== status) return `HEAD got ${h.status}`;
  };
  r('HEAD-healthz', { raw: head('/healthz'), want: 2, heads: [0], expect: { status: 200 }, check: headCheck(200) });
  r('HEAD-models', { raw: head('/v1/models'), want: 2, heads: [0], expect: { status: 200 }, check: headCheck(200) });
  r('HEAD-metrics', { raw: head('/metrics'), want: 2, heads: [0], expect: { status: 200 }, check: headCheck(200) });
  r('HEAD-unknown-url', { raw: head('/nope'), want: 2, heads: [0], expect: { status: 404, noBody: true }, check: headCheck(404) });
  r('HEAD-chat', { raw: head('/v1/chat/completions'), want: 2, heads: [0], expect: { status: 405, noBody: true }, check: headCheck(405) });
  r('HEAD-healthz-HTTP/1.0', { raw: `HEAD /healthz HTTP/1.0\r\n\r\n`, heads: [0], expect: { status: 200 },
    check: (res) => (res.trailing.length ? `${res.trailing.length} body bytes after a HEAD answer` : (!res.closed ? 'HTTP/1.0 connection left open' : undefined)) });
  // HTTP/1.0 streams: no chunked coding (a 1.0 client cannot decode it); the body ends at close.
  const http10Stream = (res) => {
    const a = res.responses[0];
    if (a.headers.some(([k]) => k === 'transfer-encoding')) return 'an HTTP/1.0 answer uses Transfer-Encoding';
    if (!res.closed) return 'the connection stayed open after a close-delimited stream';
    if (!/data: \[DONE\]\n\n$/.test(a.body.toString())) return `the stream body does not end with [DONE]: ${JSON.stringify(a.body.toString().slice(-120))}`;
  };
  r('HTTP/1.0-stream', (m) => ({ raw: post(m, '', bodyOf(m, { stream: true }), '1.0').replace('Host: x\r\n', ''), expect: { status: 200 }, check: http10Stream }));
  r('HTTP/1.0-stream-keep-alive', (m) => ({ raw: post(m, 'Connection: keep-alive', bodyOf(m, { stream: true }), '1.0'), expect: { status: 200 }, check: http10Stream }));
  r('HTTP/1.0-non-stream', (m) => ({ raw: post(m, '', bodyOf(m), '1.0'), expect: { status: 200 },
    check: (res) => (res.closed ? undefined : 'HTTP/1.0 connection left open') }));
  // Oversized heads.
  r('one-70KiB-header', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(70000)}\r\n\r\n`, expect: { status: 431, type: 'invalid_request_error' } });
  r('1000-small-headers', { raw: `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${'v'.repeat(80)}\r\n`).join('')}\r\n`, expect: { status: 431, type: 'invalid_request_error' } });
  r('70KiB-header-in-pieces', { raw: [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(35000)}`, `${'y'.repeat(35000)}\r\n\r\n`], expect: { status: 431, type: 'invalid_request_error' } });
  // Line ends.
  r('bare-LF-GET', { raw: `GET /healthz HTTP/1.1\nHost: x\n\n`, expect: { status: 200 } });
  r('bare-LF-POST-chat', (m) => ({ raw: `POST /v1/chat/completions HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: ${bodyOf(m).length}\n\n${bodyOf(m)}`, expect: { status: 200 } }));
  r('bare-CR-line-ends', { raw: `GET /healthz HTTP/1.1\rHost: x\r\r\n\r\n`, expect: bad });
  // Pipelining: a bad request after a good one is answered after it, then the connection closes.
  r('pipelined-good-then-bad', (m) => ({ raw: post(m) + 'GARBAGE\r\n\r\n', want: 2, expect: { status: 200 },
    check: (res) => (res.responses[1]?.status === 400 ? undefined : `second answer ${res.responses[1]?.status}`) }));
  r('pipelined-bad-json-then-good', (m) => ({ raw: post(m, '', '{nope') + post(m), want: 2, minWant: 1, expect: bad, upstream: true,
    check: (res) => (res.responses[1] && res.responses[1].status !== 200 ? `second answer ${res.responses[1].status}` : undefined) }));

  // ---------------------------------------------------------------- auth = "keys"
  const A = 'auth';
  const auth = (label, spec) => add(A, label, (m, tag) => ({ server: 'keys', ...(typeof spec === 'function' ? spec(m, tag) : spec) }));
  const unauthorized = { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' };
  auth('no-key', (m) => ({ json: chat(m), expect: unauthorized }));
  auth('bogus-bearer', (m) => ({ json: chat(m), headers: [['authorization', 'Bearer gk-thisisnotarealkeythisisnotarealkey0000']], expect: unauthorized }));
  auth('bogus-x-api-key', (m) => ({ json: chat(m), headers: [['x-api-key', 'gk-thisisnotarealkeythisisnotarealkey0000']], expect: unauthorized }));
  auth('openai-style-key', (m) => ({ json: chat(m), headers: [['authorization', 'Bearer sk-proj-abc']], expect: unauthorized }));
  for (const [label, v] of [['scheme-only', 'Bearer'], ['scheme-and-space', 'Bearer '], ['basic', 'Basic Z2s6eA=='], ['token-scheme', `Token ${key}`],
    ['no-scheme', key], ['key-then-junk', `Bearer ${key} extra`], ['double-bearer', `Bearer Bearer ${key}`], ['empty', ''], ['truncated-key', `Bearer ${key.slice(0, -1)}`]])
    auth(`malformed-authorization-${label}`, (m) => ({ json: chat(m), headers: [['authorization', v]], expect: unauthorized }));
  auth('no-key-malformed-json', { body: '{nope', expect: unauthorized });
  auth('no-key-empty-body', { body: '', expect: unauthorized });
  auth('no-key-deep-json', { body: '['.repeat(100000), expect: unauthorized });
  auth('no-key-invalid-utf8', { body: Buffer.from([0x7b, 0xff, 0x7d]), expect: unauthorized });
  auth('no-key-wrong-types', { json: { model: 1, messages: 'x' }, expect: unauthorized });
  auth('no-key-model-with-CRLF', (m) => ({ json: chat(`${m}\r\nX-Injected: 1`), expect: unauthorized }));
  auth('no-key-unknown-model', (m, tag) => ({ json: chat(`nope/${tag}`), expect: unauthorized }));
  auth('bogus-key-malformed-json', { body: '{nope', headers: [['authorization', 'Bearer gk-thisisnotarealkeythisisnotarealkey0000']], expect: unauthorized });
  auth('no-key-body-too-large', (m) => ({ body: JSON.stringify(chat(m, { messages: user('x'.repeat(maxBody)) })), expect: { status: [401, 413], type: 'invalid_request_error' }, timeoutMs: 10000 }));
  auth('models-no-key', { method: 'GET', path: '/v1/models', expect: unauthorized });
  auth('models-alias-no-key', { method: 'GET', path: '/models', expect: unauthorized });
  auth('models-bogus-key', { method: 'GET', path: '/v1/models', headers: [['authorization', 'Bearer gk-thisisnotarealkeythisisnotarealkey0000']], expect: unauthorized });
  auth('models-valid-key', { method: 'GET', path: '/v1/models', headers: [['authorization', `Bearer ${key}`]], expect: { status: 200 } });
  auth('healthz-no-key', { method: 'GET', path: '/healthz', expect: { status: 200 } });
  auth('valid-key-bearer', (m) => ({ json: chat(m), headers: [['authorization', `Bearer ${key}`]], expect: { status: 200 } }));
  auth('valid-key-lowercase-scheme', (m) => ({ json: chat(m), headers: [['authorization', `bearer ${key}`]], expect: { status: 200 } }));
  auth('valid-key-x-api-key', (m) => ({ json: chat(m), headers: [['x-api-key', key]], expect: { status: 200 } }));
  auth('valid-key-malformed-json', { body: '{nope', headers: [['authorization', `Bearer ${key}`]], expect: invalidRequest({ param: null }) });
  auth('valid-key-invalid-model', (m) => ({ json: chat(`${m}\u001b`), headers: [['authorization', `Bearer ${key}`]], expect: invalidModel() }));

  // gw validates the fields it reads or rewrites and passes the others to the upstream as the
  // client wrote them: the upstream's own validation answers those (the fake does not check
  // them, so gw's pass-through shows as a 200). Tool-call arguments given as an object are
  // taken as their JSON text (the meaning is kept).
  const passThrough = new Set([
    'types/content[0]=image_url.detail=number', 'types/message.name=number', 'types/message.name=true',
    'types/message.name=object', 'types/message.name=array', 'types/message.refusal=number',
    'types/tool_calls[0].function.arguments=object', 'types/tool_calls[0].function.arguments=number',
    'types/tools[0].type=number', 'types/tool_choice=unknown-string', 'types/tool_choice=empty-object',
    'types/tool_choice=object-without-function', 'types/tool_choice=function.name=number',
    'types/response_format=type=number', 'types/response_format=type=unknown',
    'types/response_format=json_schema-without-schema', 'types/logit_bias=string', 'types/logit_bias=number',
    'types/logit_bias=true', 'types/logit_bias=array', 'types/logit_bias=non-numeric-key',
    'types/logit_bias=value=string', 'types/logit_bias=value-above-100', 'types/metadata.value=number',
    'types/metadata.value=object', 'types/metadata.17-keys', 'types/metadata.key-65-chars',
    'types/metadata.value-513-chars', 'values/n=129',
  ]);
  for (const e of entries) {
    if (passThrough.has(e.name)) { e.expect = { status: 200 }; e.upstream = true; e.passThrough = true; }
    // An unknown content part type is the upstream's to refuse (it answers 400; gw relays it).
    if (e.name === 'types/content[0]=type=unknown' || e.name === 'types/tools[0].type=unknown') e.upstream = true;
  }
  return entries;
}
