using System.Globalization;
using System.Text;

namespace PerfKit.Testing.Internal;

/// <summary>
/// Makes user text (exception messages, failure reasons, titles) safe for every report format: a character that XML
/// forbids (C0 controls other than tab and line breaks, U+FFFE, U+FFFF; this includes ANSI escapes) or a lone
/// surrogate (which no encoder can write) is shown as text, <c>\u0001</c>, so the report still says what it was.
/// </summary>
internal static class ReportText
{
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var first = FirstInvalid(text);
        if (first < 0)
        {
            return text;
        }

        var clean = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[++i]);
            }
            else if (IsInvalid(c))
            {
                clean.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                clean.Append(c);
            }
        }

        return clean.ToString();
    }

    private static int FirstInvalid(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (IsInvalid(c))
            {
                return i;
            }
        }

        return -1;
    }

    // Called only where c is not part of a well-formed pair.
    private static bool IsInvalid(char c) => (c < '\u0020' && c is not ('\t' or '\n' or '\r')) || char.IsSurrogate(c) || c is '\ufffe' or '\uffff';
}
