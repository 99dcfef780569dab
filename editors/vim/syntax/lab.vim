" Vim syntax file
" Language:    lab (the .lab files of labc)
" Maintainer:  the labc project
" Follows grammar/lab.pest. Every item but a `"""` block string is one line long, so an
" unclosed string or bracket never repaints the rest of the file.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
" Kebab-case names are one word (`shared-postgres`); `a - b` has spaces.
syn iskeyword @,48-57,_,-

" An identifier, and a key segment (an identifier or a quoted key).
let s:id = '\h\w*\%(-\w\+\)*'
let s:seg = '\%(' . s:id . '\|"\%([^"\\]\|\\.\)*"\)'
" Where a statement, a record item, a parameter or a field starts.
let s:start = '\%(^\|[{,(]\)\s*'

" Patterns with a lookbehind start with `\%#=1\<`: the backtracking engine, tried at the
" start of a word only, is about four times faster here than the NFA engine.

" Lowest priority first: for matches starting at the same column, the one defined last
" wins (and keywords beat every match).

" Any character no other item claims is not part of the language: `@`, `;`, `$` outside
" a string, a lone `&` or `|`, a non-ASCII character outside strings and comments.
syn match labError /\S/

" References: variables, fields after `.`, names after `on`.
exe 'syn match labVariable /' . s:id . '/'

" Operators and punctuation.
syn match labDelimiter /[{}\[\](),:.?]/
syn match labOperator  /[-+*\/<>=!]/
syn match labOperator  /==\|!=\|<=\|>=\|&&\|||\|\.\./

" Numbers (pest order reversed: the most specific form is defined last).
syn match labNumber  /\d\+\w\@!/
syn match labFloat   /\d\+\.\d\+\%(\w\|\.\d\)\@!/
syn match labUnit    /\d\+\%(\.\d\+\)\=\a\+\%(\d\+\a\+\)*\w\@!/
syn match labPercent /\d\+\%(\.\d\+\)\=%/
syn match labIP      /\d\+\.\d\+\.\d\+\.\d\+\%(\a\|_\|\d\)\@!/
syn match labCIDR    /\d\+\.\d\+\.\d\+\.\d\+\/\d\+/

" Calls: the builtins, and any other name before `(`.
exe 'syn match labFunction /' . s:id . '\ze\s*(/'
" The template of an `include` and of an `instance` (`instance db = postgres on infra`).
exe 'syn match labFunction /\%#=1\<\%(include\s\+\)\@<=' . s:id . '/'
exe 'syn match labFunction /\%#=1\<\%(^\s*instance\s\+' . s:id . '\s*=\s*\)\@<=' . s:id . '/'
syn match labBuiltin /\%(oci\|helm\|deployment\|daemonset\|statefulset\|health\|secret\|lb_address\|len\|join\|str\|map_of\|contains\|bytes\|millicores\|seconds\|range\|file\)\ze\s*(/

" Keys: `domain = ...`, `metadata.labels.team = ...`, `values {`, and the names of fields
" and parameters (`replicas: int = 1`).
exe 'syn match labKey /\%#=1\<\%(' . s:start . '\%(' . s:seg . '\.\)*\)\@<=' . s:id
      \ . '\ze\%(\.' . s:seg . '\)*\s*\%(=[=]\@!\|{\)/'
exe 'syn match labKey /\%#=1\<\%(' . s:start . '\)\@<=' . s:id . '\ze\s*:[:]\@!/'
" `capacity connections = 200`, `consumes connections of server = 60`.
exe 'syn match labKey /\%#=1\<\%(\%(capacity\|consumes\)\s\+\)\@<=' . s:id . '/'

" Types: after a field or parameter name, inside `list<...>`/`map<...>`, the record type
" of a typed record (`Node { ... }`), the kind of a `resource`, the capability kind of
" `provides`.
exe 'syn match labType /\%#=1\<\%(' . s:start . s:id . '\s*:\s*\)\@<=' . s:id . '/'
exe 'syn match labType /\%#=1\<\%(\%(list\|map\)\s*<\s*\)\@<=' . s:id . '/'
syn match labType /\u\w*\%(-\w\+\)*\ze\s*{/
exe 'syn match labType /\%#=1\<\%(resource\s\+"\%([^"\\]\|\\.\)*"\s\+\)\@<=' . s:id . '/'
exe 'syn match labType /\%#=1\<\%(provides\s\+\)\@<=' . s:id . '/'

" Control words. The reserved ones are keywords; `on`, `as`, `mesh`, `list`, `map` and
" the `cluster` of a cluster-scoped CRD are words only where the grammar has them.
syn keyword labKeyword for in if then else of via
syn match labKeyword /\%#=1\<\%(\w\s\+\)\@<=on\ze\s\+\h/
syn match labKeyword /\%#=1\<\%(\w\s\+\)\@<=as\ze\s\+\h/ nextgroup=labDeclName skipwhite
syn match labKeyword /\%#=1\<\%(via\s\+\)\@<=mesh\>/
syn match labKeyword /\%(list\|map\)\ze\s*</

" Statement keywords, at the start of a statement and not used as a key or a name
" (`type = "rw"` is a key; `require cond, "message"` a statement).
syn match labStatement /\%#=1\<\%(\%(^\|[{,]\)\s*\)\@<=\%(settings\|crds\|provides\|capacity\|consumes\|require\|resource\|manifest\|include\|patch\)\>\%(\s*\%([=.,:)}\]]\|$\)\)\@!/
" `crds "..." { ... } schema "crds/x.yaml"`: where the kinds' schemas come from.
syn match labStatement /\%#=1\%(}\s*\)\@<=schema\ze\s*"/
" `once` is a whole statement, so it may end the line.
syn match labStatement /\%#=1\<\%(\%(^\|[{,]\)\s*\)\@<=once\>\%(\s*[={.,:)\]]\)\@!/

" Declarations: the kind, its name, the module path of `use`.
syn match labDeclKind /^\s*\zs\%(lab\|cluster\|pool\|type\|operator\|template\|install\|instance\|tenant\|namespace\)\ze\s\+\h/ nextgroup=labDeclName skipwhite
syn match labDeclKind /^\s*\zsuse\ze\s\+\h/ nextgroup=labModule skipwhite
" `pins { ... }`, the lab's chart pins, has no name.
syn match labDeclKind /^\s*\zspins\ze\s*{/
" `crds "..." { cluster Kind, ... }`: a cluster-scoped kind (after the declarations, so
" that it wins on a line of its own).
exe 'syn match labKeyword /\%#=1\<\%(' . s:start . '\)\@<=cluster\ze\s\+' . s:id . '\s*\%([,}#]\|\/\/\|$\)/'
exe 'syn match labDeclName /' . s:id . '/ contained'
exe 'syn match labModule /' . s:id . '\%(\.' . s:id . '\)*/ contained'

syn keyword labBoolean true false
syn keyword labNull null

" Strings: one line each, with the escapes \" \\ \n \t \r \$ (letters n, t, r) and
" `${expr}`. An unclosed string (its opening quote marked) ends at the end of its line.
syn match labEscapeError /\\./ contained
syn match labEscape /\\[\"\\ntr$]/ contained
syn region labInterp matchgroup=labInterpDelim start=/\${/ end=/}/ oneline contained contains=@labExpr
syn region labString matchgroup=labError start=/"/ end=/$/ contains=labEscapeError,labEscape,labInterp
syn region labString start=/"/ skip=/\\\\\|\\"/ end=/"/ oneline contains=labEscapeError,labEscape,labInterp
" Block strings: from `"""` over lines to the next `"""` (defined last, so they win over
" the one-line strings at a `"""`); `"` is text, and `\` at the end of a line joins it to
" the next.
syn match labBlockJoin /\\$/ contained
syn region labString start=/"""/ end=/"""/ contains=labEscapeError,labEscape,labBlockJoin,labInterp

syn cluster labExpr contains=labError,labVariable,labDelimiter,labOperator,labNumber,labFloat,labUnit,labPercent,labIP,labCIDR,labFunction,labBuiltin,labType,labKeyword,labBoolean,labNull,labString

" Comments, last: `#` and `//` to the end of the line.
syn keyword labTodo TODO FIXME XXX NOTE contained
syn match labComment /#.*$/ contains=labTodo,@Spell
syn match labComment "//.*$" contains=labTodo,@Spell

" Block strings span lines, so the state at a line is found from the start of the file
" (lab files are short).
syn sync fromstart

hi def link labKeyword     Keyword
hi def link labDeclKind    Structure
hi def link labStatement   Statement
hi def link labDeclName    Function
hi def link labModule      Identifier
hi def link labType        Type
hi def link labBuiltin     Function
hi def link labFunction    Function
hi def link labKey         Identifier
hi def link labString      String
hi def link labEscape      SpecialChar
hi def link labBlockJoin   SpecialChar
hi def link labInterpDelim Special
hi def link labNumber      Number
hi def link labFloat       Float
hi def link labUnit        Number
hi def link labPercent     Number
hi def link labIP          Constant
hi def link labCIDR        Constant
hi def link labBoolean     Boolean
hi def link labNull        Constant
hi def link labComment     Comment
hi def link labTodo        Todo
hi def link labOperator    Operator
hi def link labDelimiter   Delimiter
hi def link labError       Error
hi def link labEscapeError Error

let b:current_syntax = 'lab'

let &cpo = s:cpo_save
unlet s:cpo_save
