# bash completion for gw
_gw() {
  local cur prev words cword
  _init_completion || return
  local cmds="chat compare serve report keys store models config"
  local sub=""
  for w in "${words[@]:1}"; do
    case "$w" in chat|compare|serve|report|keys|store|models|config) sub=$w; break ;; esac
  done
  case "$prev" in
    -c|--config) _filedir toml; return ;;
    -m|--model) COMPREPLY=($(compgen -W "mock/echo mock/lorem openai/gpt-4o-mini openai/gpt-4o anthropic/claude-sonnet-4-5 gemini/gemini-2.5-flash gemini/gemini-2.5-pro" -- "$cur")); return ;;
    --format) if [[ $sub == keys ]]; then COMPREPLY=($(compgen -W "table json" -- "$cur")); else COMPREPLY=($(compgen -W "table json csv html" -- "$cur")); fi; return ;;
    --by) COMPREPLY=($(compgen -W "user tenant key model provider route endpoint client day hour month" -- "$cur")); return ;;
    --period) COMPREPLY=($(compgen -W "day month total" -- "$cur")); return ;;
    --unpriced) COMPREPLY=($(compgen -W "allow refuse" -- "$cur")); return ;;
    --guard) COMPREPLY=($(compgen -W "mask block off" -- "$cur")); return ;;
    --models|--rpm|--tpm|--max-parallel|--budget) return ;;
  esac
  case "$sub" in
    "") COMPREPLY=($(compgen -W "$cmds -c --config -h --help -V --version" -- "$cur")) ;;
    chat) COMPREPLY=($(compgen -W "-m --model -s --system -o --option --no-stream --json --stats --user -h --help" -- "$cur")) ;;
    serve) COMPREPLY=($(compgen -W "-l --listen -h --help" -- "$cur")) ;;
    report) COMPREPLY=($(compgen -W "--by --since --until --user --tenant --model --format --latency -h --help" -- "$cur")) ;;
    keys)
      local act=""
      for w in "${words[@]:2}"; do case "$w" in create|update|list|revoke) act=$w; break ;; esac; done
      local policy="--models --rpm --tpm --max-parallel --budget --period --unpriced --guard"
      case "$act" in
        "") COMPREPLY=($(compgen -W "create update list revoke -h --help" -- "$cur")) ;;
        create) COMPREPLY=($(compgen -W "--name --user --tenant --admin $policy -h --help" -- "$cur")) ;;
        update) COMPREPLY=($(compgen -W "--name --user --tenant --admin --no-admin $policy -h --help" -- "$cur")) ;;
        list) COMPREPLY=($(compgen -W "--format -h --help" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "-h --help" -- "$cur")) ;;
      esac ;;
    store)
      if [[ " ${words[*]} " == *" migrate "* ]]; then
        case "$prev" in --from|--to) _filedir db; return ;; esac
        COMPREPLY=($(compgen -W "--from --to -h --help" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "migrate -h --help" -- "$cur"))
      fi ;;
    config) COMPREPLY=($(compgen -W "check show" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -W "-h --help" -- "$cur")) ;;
  esac
}
complete -F _gw gw
