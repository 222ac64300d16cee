namespace CloudBox.Core.Modules;

/// <summary>
/// A module's service as published in the catalog: <paramref name="Type"/> (identity, compute, …),
/// <paramref name="ServiceName"/> (keystone, nova, …), the path the module is mounted on
/// (<c>/identity</c>) and the suffix of the endpoint URL clients should use (<c>/v3</c>, or empty
/// for an unversioned endpoint).
/// </summary>
public sealed record ServiceCatalogEntry(
    string Type,
    string ServiceName,
    string Description,
    string PathPrefix,
    string EndpointSuffix);
