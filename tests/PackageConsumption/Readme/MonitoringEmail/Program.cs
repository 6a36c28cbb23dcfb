// README: program
