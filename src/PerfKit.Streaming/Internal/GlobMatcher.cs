namespace PerfKit.Streaming.Internal;

/// <summary>
/// Glob patterns over relative paths with <c>/</c> separators: <c>*</c> within a name, <c>?</c> one character,
/// <c>**</c> any number of folders; a pattern without <c>/</c> matches the last name at any depth. Ordinal.
/// </summary>
internal sealed class GlobMatcher
{
    private readonly string[][] _patterns;

    public GlobMatcher(IEnumerable<string> patterns)
    {
        _patterns = patterns
            .Where(static p => !string.IsNullOrWhiteSpace(p))
            .Select(static p =>
            {
                var trimmed = p.Trim().Replace('\\', '/').TrimStart('/');
                return trimmed.Contains('/', StringComparison.Ordinal) ? trimmed.Split('/') : ["**", trimmed];
            })
            .ToArray();
    }

    public bool IsEmpty => _patterns.Length == 0;

    public bool Matches(string relativePath)
    {
        if (_patterns.Length == 0)
        {
            return false;
        }

        var segments = relativePath.Split('/');
        foreach (var pattern in _patterns)
        {
            if (MatchSegments(pattern, 0, segments, 0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a pattern ending in <c>/**</c> covers everything under the folder, so the walk need not enter it.</summary>
    public bool PrunesDirectory(string relativeDirectory)
    {
        if (_patterns.Length == 0)
        {
            return false;
        }

        var below = (relativeDirectory + "/\u0001").Split('/');
        return _patterns.Any(p => p[^1] == "**" && MatchSegments(p, 0, below, 0));
    }

    private static bool MatchSegments(string[] pattern, int p, string[] path, int s)
    {
        while (p < pattern.Length)
        {
            if (pattern[p] == "**")
            {
                for (var skip = s; skip <= path.Length; skip++)
                {
                    if (MatchSegments(pattern, p + 1, path, skip))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (s == path.Length || !MatchName(pattern[p], path[s]))
            {
                return false;
            }

            p++;
            s++;
        }

        return s == path.Length;
    }

    private static bool MatchName(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
