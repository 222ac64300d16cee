namespace CloudBox.Orchestration.Templates;

/// <summary>
/// A template, environment or parameter error: answered with 400 in Heat's fault body, naming the
/// path at fault (<c>resources.server.properties.flavor</c>) and, for YAML the service parsed itself,
/// the line.
/// </summary>
internal sealed class TemplateException(string message, string type = "StackValidationFailed") : Exception(message)
{
    /// <summary>Heat's exception class name, which the fault body carries as <c>error.type</c>.</summary>
    public string Type { get; } = type;

    public static TemplateException At(string path, string message, TemplateDocument? document = null)
    {
        var line = document?.LineOf(path);
        var where = line is null ? path : $"{path} (line {line})";
        return new TemplateException(path.Length == 0 ? message : $"{where}: {message}");
    }
}
