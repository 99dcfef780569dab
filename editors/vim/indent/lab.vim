" Vim indent file
" Language:    lab (the .lab files of labc)
" Maintainer:  the labc project
" One level after a line that ends with `{`, `[` or `(`; one level less on a line that
" starts with `}`, `]` or `)`. Comments and strings do not count.

if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal autoindent nosmartindent nocindent
setlocal indentexpr=GetLabIndent(v:lnum)
setlocal indentkeys=0{,0},0),0],!^F,o,O,e

let b:undo_indent = 'setlocal autoindent< smartindent< cindent< indentexpr< indentkeys<'

if exists('*GetLabIndent')
  finish
endif

" The code of line `lnum`: strings emptied, the trailing comment and blanks removed.
function! s:Code(lnum) abort
  let line = substitute(getline(a:lnum), '"\%([^"\\]\|\\.\)*"', '""', 'g')
  let line = substitute(line, '\%(#\|//\).*$', '', '')
  return substitute(line, '\s\+$', '', '')
endfunction

function! GetLabIndent(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  let ind = indent(prev)
  if s:Code(prev) =~# '[{\[(]$'
    let ind += shiftwidth()
  endif
  if getline(a:lnum) =~# '^\s*[}\])]'
    let ind -= shiftwidth()
  endif
  return ind < 0 ? 0 : ind
endfunction
