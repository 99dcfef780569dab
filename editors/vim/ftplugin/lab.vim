" Vim filetype plugin
" Language:    lab (the .lab files of labc)
" Maintainer:  the labc project

if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

" Comments are `#` (and `//`) to the end of the line; two spaces per level, no tabs.
setlocal commentstring=#\ %s
setlocal comments=:#,://
setlocal formatoptions-=t formatoptions+=croql
setlocal shiftwidth=2 softtabstop=2 expandtab
" Kebab-case names (`shared-postgres`) are one word for `w`, `*` and completion.
setlocal iskeyword+=-

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< shiftwidth<'
      \ . ' softtabstop< expandtab< iskeyword<'
