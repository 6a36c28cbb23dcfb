namespace PerfKit.Streaming;

/// <summary>The options of a <see cref="DirectorySource"/>.</summary>
public sealed class DirectorySourceOptions
{
    /// <summary>The default of <see cref="AttributesToSkip"/>: none (hidden and system files are listed).</summary>
    public const FileAttributes DefaultAttributesToSkip = 0;

    /// <summary>The folder to walk. Required; it must exist when the source is created.</summary>
    public string Root { get; set; } = string.Empty;

    /// <summary>
    /// Glob patterns of the files to list, relative to <see cref="Root"/> with <c>/</c> separators: <c>*</c> matches
    /// within a name, <c>?</c> one character, <c>**</c> any number of folders. A pattern without <c>/</c> matches the
    /// file's name at any depth (<c>*.csv</c>). Empty (the default): every file. Case-sensitive (ordinal).
    /// </summary>
    public IList<string> Include { get; } = [];

    /// <summary>
    /// Glob patterns of files and folders to leave out, as <see cref="Include"/>. An excluded folder is not entered
    /// (<c>node_modules</c>, <c>bin/**</c>).
    /// </summary>
    public IList<string> Exclude { get; } = [];

    /// <summary>Whether sub-folders are walked. Default true.</summary>
    public bool Recursive { get; set; } = true;

    /// <summary>
    /// Whether symbolic links to folders are walked. Default false: they are passed over. When true, a link that
    /// leads back to a folder being walked (a loop) is reported as a <see cref="StreamingFailureKind.WalkProblem"/>
    /// and not entered.
    /// </summary>
    public bool FollowDirectoryLinks { get; set; }

    /// <summary>Entries with any of these attributes are passed over. Default <see cref="DefaultAttributesToSkip"/>.</summary>
    public FileAttributes AttributesToSkip { get; set; } = DefaultAttributesToSkip;
}
