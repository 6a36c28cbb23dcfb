// The quick start of src/PerfKit.Caching.AspNetCore/README.md, assembled by .ci/readme-consumers.py from the README's marked blocks
// and built against the packed packages only.
// README: program
