// README: hello
