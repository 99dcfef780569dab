au BufRead,BufNewFile *.lab setfiletype lab
