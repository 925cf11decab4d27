# fish completion for gw
set -l cmds chat serve report keys store models config
complete -c gw -f
complete -c gw -n "not __fish_seen_subcommand_from $cmds" -a chat -d 'Send a prompt and stream the answer'
complete -c gw -n "not __fish_seen_subcommand_from $cmds" -a serve -d 'Run the OpenAI-compatible gateway'
complete -c gw -n "not __fish_seen_subcommand_from $cmds" -a report -d 'Usage and cost from the ledger'
complete -c gw -n "not __fish_seen_subcommand_from $cmds" -a keys -d 'Virtual API keys for gw serve'
complete -c gw -n "not __fish_seen_subcommand_from $cmds" -a store -d 'Move the ledger and keys between stores'
complete -c gw -n "not __fish_seen_subcommand_from $cmds" -a models -d 'Providers, models, routes, prices'
complete -c gw -n "not __fish_seen_subcommand_from $cmds" -a config -d 'Validate or print the configuration'
complete -c gw -s c -l config -r -F -d 'Config file'
complete -c gw -n "__fish_seen_subcommand_from chat" -s m -l model -x -a 'mock/echo mock/lorem openai/gpt-4o-mini anthropic/claude-sonnet-4-5 gemini/gemini-2.5-flash' -d Model
complete -c gw -n "__fish_seen_subcommand_from chat" -s s -l system -x -d 'System prompt'
complete -c gw -n "__fish_seen_subcommand_from chat" -s o -l option -x -d 'KEY=VALUE request parameter'
complete -c gw -n "__fish_seen_subcommand_from chat" -l no-stream -d 'Wait for the whole answer'
complete -c gw -n "__fish_seen_subcommand_from chat" -l json -d 'Print the OpenAI-shaped JSON'
complete -c gw -n "__fish_seen_subcommand_from chat" -l stats -d 'Latency, TTFT, tokens on stderr'
complete -c gw -n "__fish_seen_subcommand_from chat" -l user -x -d 'Ledger user'
complete -c gw -n "__fish_seen_subcommand_from serve" -s l -l listen -x -d 'HOST:PORT'
complete -c gw -n "__fish_seen_subcommand_from report" -l by -x -a 'user tenant key model provider route endpoint client day hour month'
complete -c gw -n "__fish_seen_subcommand_from report" -l format -x -a 'table json csv html'
complete -c gw -n "__fish_seen_subcommand_from report" -l latency -d 'Latency percentiles per row (json)'
complete -c gw -n "__fish_seen_subcommand_from report" -l since -x
complete -c gw -n "__fish_seen_subcommand_from report" -l until -x
complete -c gw -n "__fish_seen_subcommand_from report" -l user -x
complete -c gw -n "__fish_seen_subcommand_from report" -l tenant -x
complete -c gw -n "__fish_seen_subcommand_from report" -l model -x
complete -c gw -n "__fish_seen_subcommand_from keys; and not __fish_seen_subcommand_from create update list revoke" -a 'create update list revoke'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l name -x -d 'Key name'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l user -x -d 'User of its requests'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l tenant -x -d 'Tenant of its requests'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l models -x -d 'Allowed models, comma-separated globs'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l rpm -x -d 'Requests per minute'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l tpm -x -d 'Tokens per minute'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l max-parallel -x -d 'Requests in flight'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l budget -x -d 'Budget in USD per period'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l period -x -a 'day month total' -d 'Budget period'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l unpriced -x -a 'allow refuse' -d 'Models with no known price'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l guard -x -a 'mask block off' -d 'PII guard policy (e.g. mask,secret=block)'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from create update" -l admin -d 'May read the dashboard (/ui)'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from update" -l no-admin -d 'Take its admin right away'
complete -c gw -n "__fish_seen_subcommand_from keys; and __fish_seen_subcommand_from list" -l format -x -a 'table json'
complete -c gw -n "__fish_seen_subcommand_from config" -a 'check show'
complete -c gw -n "__fish_seen_subcommand_from store; and not __fish_seen_subcommand_from migrate" -a migrate -d 'Copy every row into an empty store'
complete -c gw -n "__fish_seen_subcommand_from store; and __fish_seen_subcommand_from migrate" -l from -x -d 'sqlite:PATH or postgres://user@host/db'
complete -c gw -n "__fish_seen_subcommand_from store; and __fish_seen_subcommand_from migrate" -l to -x -d 'postgres://user@host/db or sqlite:PATH'
