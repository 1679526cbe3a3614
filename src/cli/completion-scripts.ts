// The completion scripts `kamal-secret completion SHELL` prints. Each hands the words
// before the cursor, and the word being completed (possibly empty), to
// `kamal-secret __complete --`, and shows what it answers (see completion.ts). In these
// template literals \${ and \\ stand for the shell's ${ and \.

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

// Bash splits words at COMP_WORDBREAKS (":" and "=" among them), which would cut :NAME in
// two: the words are split again from the line itself, and each answer loses the part
// of the current word that bash already treats as written.
const BASH = `# kamal-secret completion for bash. Load it from ~/.bashrc:
#   source <(kamal-secret completion bash)
_kamal_secret() {
  local line=\${COMP_LINE:0:COMP_POINT} cur prefix answer
  local -a words replies
  read -ra words <<<"$line"
  [[ $line =~ [[:space:]]$ ]] && words+=("")
  cur=\${words[\${#words[@]}-1]}
  mapfile -t replies < <(kamal-secret __complete -- "\${words[@]:1}" 2>/dev/null)
  COMPREPLY=()
  if [[ \${replies[0]} == files ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return
  fi
  prefix=\${cur%"\${cur##*[:=]}"}
  for answer in "\${replies[@]:1}"; do
    answer=\${answer%%$'\\t'*}
    COMPREPLY+=("\${answer#"$prefix"}")
  done
}
complete -F _kamal_secret kamal-secret
`;

// Sourced, the script registers the function; installed in $fpath as _kamal-secret
// (the #compdef line), zsh runs it as the completion function itself.
const ZSH = `#compdef kamal-secret
# kamal-secret completion for zsh. Load it from ~/.zshrc, after compinit:
#   source <(kamal-secret completion zsh)
# or save it as _kamal-secret in a directory of $fpath.
_kamal_secret() {
  local -a replies candidates
  local answer
  replies=("\${(@f)$(kamal-secret __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ $replies[1] == files ]]; then
    _files
    return
  fi
  for answer in "\${(@)replies[2,-1]}"; do
    [[ -z $answer ]] && continue
    if [[ $answer == *$'\\t'* ]]; then
      candidates+=("\${\${answer%%$'\\t'*}//:/\\\\:}:\${answer#*$'\\t'}")
    else
      candidates+=("\${answer//:/\\\\:}")
    fi
  done
  _describe -t values kamal-secret candidates
}
if [[ $funcstack[1] == _kamal-secret ]]; then
  _kamal_secret "$@"
else
  compdef _kamal_secret kamal-secret
fi
`;

const FISH = `# kamal-secret completion for fish. Save it in fish's completions directory:
#   kamal-secret completion fish > ~/.config/fish/completions/kamal-secret.fish
function __kamal_secret_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    set -l replies (kamal-secret __complete -- $words[2..-1] "$current" 2>/dev/null)
    if test "$replies[1]" = files
        __fish_complete_path "$current"
    else
        printf '%s\\n' $replies[2..-1]
    end
end
complete -c kamal-secret -f -a '(__kamal_secret_complete)'
`;

export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
