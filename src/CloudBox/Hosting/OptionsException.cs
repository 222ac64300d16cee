namespace CloudBox.Hosting;

/// <summary>A configuration mistake, reported to the operator as one line and exit code 2.</summary>
public sealed class OptionsException(string message) : Exception(message);
