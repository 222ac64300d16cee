namespace CloudBox.Core.Data;

/// <summary>
/// One schema step of one module. Steps are applied in <see cref="Version"/> order, each in its
/// own transaction together with its record in <c>cloudbox_migrations</c>, so a crash leaves a
/// step either wholly applied or not at all. <see cref="PostgresSql"/> overrides
/// <see cref="Sql"/> where the dialects differ.
/// </summary>
public sealed record Migration(int Version, string Name, string Sql, string? PostgresSql = null)
{
    public string SqlFor(DatabaseEngine engine) =>
        engine == DatabaseEngine.Postgres && PostgresSql is not null ? PostgresSql : Sql;
}
