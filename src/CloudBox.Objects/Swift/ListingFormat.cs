namespace CloudBox.Objects.Swift;

/// <summary>How a listing is answered: chosen by <c>?format=</c>, else by the Accept header, else plain text.</summary>
internal enum ListingFormat
{
    Plain,
    Json,
    Xml,
}
