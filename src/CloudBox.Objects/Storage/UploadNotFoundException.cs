namespace CloudBox.Objects.Storage;

public sealed class UploadNotFoundException(string uploadId) : Exception($"Upload '{uploadId}' does not exist.");
