" The Vim test of editors/vim, run headless by run.sh (Vim 9 and, when present, Neovim):
"   vim -Nu NONE -i NONE -es --cmd "let g:labroot='.'" -S editors/vim/test/check.vim
" from the project root. It writes one line per failure (and a summary) to g:labout and
" exits 0 when everything passes, 1 otherwise. It checks:
" 1. the assertions of test/cases/*.lab: a comment line `#   ^^^ labKey` (carets under
"    the columns of the code line above it) or `# <- labDeclKind` (the column of the `#`)
"    names the syntax group each of those columns must have (`-` for none); several
"    assertion lines may follow one code line;
" 2. the `hi def link` of every group, the filetype detection and the ftplugin options;
" 3. every .lab file of lab/, stdlib/ and tests/ that labc parses, and the docs' ```lab
"    examples (no E0101/E0102 on its
"    `# expect:` line): no column in an *Error group, no Vim error while highlighting;
" 4. the indent: `gg=G` on test/indent.lab leaves it unchanged.

let s:root = get(g:, 'labroot', '.')
let s:out = get(g:, 'labout', '')
let &rtp = s:root . '/editors/vim,' . &rtp
filetype plugin indent on
syntax on

let s:failures = []
let s:counts = {'assertions': 0, 'links': 0, 'files': 0, 'indent': 0}

function! s:Fail(msg) abort
  call add(s:failures, a:msg)
endfunction

function! s:Open(file) abort
  let v:errmsg = ''
  silent execute 'edit! ' . fnameescape(a:file)
  if &filetype !=# 'lab'
    call s:Fail(a:file . ': filetype is "' . &filetype . '", not lab')
  endif
endfunction

" The syntax group at line l, byte column c (1-based).
function! s:Group(l, c) abort
  return synIDattr(synID(a:l, a:c, 1), 'name')
endfunction

" 1. Assertion comments.
for s:file in sort(glob(s:root . '/editors/vim/test/cases/*.lab', 0, 1))
  call s:Open(s:file)
  let s:code = 0
  for s:l in range(1, line('$'))
    let s:text = getline(s:l)
    let s:m = matchlist(s:text, '^\(\s*\)#\(\s*\)\(<-\|\^\+\)\s\+\(\S\+\)\s*$')
    if empty(s:m)
      let s:code = s:l
      continue
    endif
    if s:code == 0
      call s:Fail(s:file . ':' . s:l . ': an assertion with no code line above it')
      continue
    endif
    if s:m[3] ==# '<-'
      let s:cols = [len(s:m[1]) + 1]
    else
      let s:first = len(s:m[1]) + 1 + len(s:m[2]) + 1
      let s:cols = range(s:first, s:first + len(s:m[3]) - 1)
    endif
    let s:want = s:m[4] ==# '-' ? '' : s:m[4]
    for s:c in s:cols
      let s:counts.assertions += 1
      let s:got = s:Group(s:code, s:c)
      if s:got !=# s:want
        call s:Fail(printf('%s:%d:%d: expected %s, got %s (%s)', fnamemodify(s:file, ':.'),
              \ s:code, s:c, s:m[4], s:got ==# '' ? '-' : s:got,
              \ strpart(getline(s:code), s:c - 1, 12)))
      endif
    endfor
  endfor
endfor

" 2. Highlight links, and the options of the ftplugin and the indent script.
let s:links = {
      \ 'labKeyword': 'Keyword', 'labDeclKind': 'Structure', 'labStatement': 'Statement',
      \ 'labDeclName': 'Function', 'labModule': 'Identifier', 'labType': 'Type',
      \ 'labBuiltin': 'Function', 'labFunction': 'Function', 'labKey': 'Identifier',
      \ 'labString': 'String', 'labEscape': 'SpecialChar', 'labInterpDelim': 'Special',
      \ 'labBlockJoin': 'SpecialChar',
      \ 'labNumber': 'Number', 'labFloat': 'Float', 'labUnit': 'Number',
      \ 'labPercent': 'Number', 'labIP': 'Constant', 'labCIDR': 'Constant',
      \ 'labBoolean': 'Boolean', 'labNull': 'Constant', 'labComment': 'Comment',
      \ 'labTodo': 'Todo', 'labOperator': 'Operator', 'labDelimiter': 'Delimiter',
      \ 'labError': 'Error', 'labEscapeError': 'Error'}
for [s:group, s:target] in items(s:links)
  let s:counts.links += 1
  let s:got = matchstr(execute('hi ' . s:group), 'links to \zs\S\+')
  if s:got !=# s:target
    call s:Fail(printf('hi %s links to "%s", not %s', s:group, s:got, s:target))
  endif
endfor
for [s:option, s:value] in items({'commentstring': '# %s', 'comments': ':#,://',
      \ 'shiftwidth': 2, 'expandtab': 1, 'indentexpr': 'GetLabIndent(v:lnum)'})
  if eval('&l:' . s:option) !=# s:value
    call s:Fail(printf('&%s is "%s", not "%s"', s:option, eval('&l:' . s:option), s:value))
  endif
endfor
if !exists('b:undo_ftplugin') || !exists('b:undo_indent')
  call s:Fail('b:undo_ftplugin or b:undo_indent is not set')
endif

" 3. No error group in a file labc parses.
let s:corpus = []
for s:dir in ['lab', 'stdlib', 'tests']
  call extend(s:corpus, glob(s:root . '/' . s:dir . '/**/*.lab', 0, 1))
endfor
call sort(s:corpus)
" The docs' complete examples (blocks fenced exactly ```lab), as temporary files named
" for the report by their place in the docs.
let s:names = {}
for s:md in ['docs/language.md', 'README.md']
  let s:inside = 0
  let s:n = 0
  for s:line in readfile(s:root . '/' . s:md)
    let s:n += 1
    if !s:inside && s:line ==# '```lab'
      let s:inside = 1
      let s:body = []
      let s:start = s:n + 1
    elseif s:inside && s:line ==# '```'
      let s:inside = 0
      let s:tmp = tempname() . '.lab'
      call writefile(s:body, s:tmp)
      call add(s:corpus, s:tmp)
      let s:names[s:tmp] = s:md . '#' . s:start
    elseif s:inside
      call add(s:body, s:line)
    endif
  endfor
endfor
if len(s:names) < 5
  call s:Fail('only ' . len(s:names) . ' doc examples found')
endif
for s:file in s:corpus
  let s:expect = matchstr(join(readfile(s:file, '', 5), "\n"), '#\s*expect:\zs[^\n]*')
  if s:expect =~# 'E010[12]'
    continue
  endif
  let s:counts.files += 1
  call s:Open(s:file)
  for s:l in range(1, line('$'))
    for s:c in range(1, len(getline(s:l)))
      let s:got = s:Group(s:l, s:c)
      if s:got =~# 'Error$'
        call s:Fail(printf('%s:%d:%d: %s (%s)', get(s:names, s:file, fnamemodify(s:file, ':.')), s:l, s:c, s:got,
              \ strpart(getline(s:l), s:c - 1, 12)))
        break
      endif
    endfor
  endfor
  if v:errmsg !=# ''
    call s:Fail(get(s:names, s:file, fnamemodify(s:file, ':.')) . ': ' . v:errmsg)
  endif
endfor

" 4. Indent: re-indenting the sample changes nothing.
let s:file = s:root . '/editors/vim/test/indent.lab'
call s:Open(s:file)
let s:before = getline(1, '$')
silent normal! gg=G
let s:after = getline(1, '$')
for s:l in range(len(s:before))
  let s:counts.indent += 1
  if s:after[s:l] !=# s:before[s:l]
    call s:Fail(printf('%s:%d: re-indented to "%s"', fnamemodify(s:file, ':.'), s:l + 1,
          \ s:after[s:l]))
  endif
endfor
silent edit!

if v:errmsg !=# ''
  call s:Fail('Vim error: ' . v:errmsg)
endif
let s:summary = printf('%s: %d assertions, %d links, %d files without errors, %d indent lines: %s',
      \ has('nvim') ? 'nvim' : 'vim', s:counts.assertions, s:counts.links, s:counts.files,
      \ s:counts.indent, empty(s:failures) ? 'ok' : len(s:failures) . ' failures')
if s:out !=# ''
  call writefile(s:failures + [s:summary], s:out)
endif
if empty(s:failures)
  qall!
else
  cquit!
endif
