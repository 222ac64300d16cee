using CloudBox.Core.Data;
using CloudBox.Testing;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudBox.Core.Tests.Data;

[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class MigrationRunnerTests(DatabaseEngine engine)
{
    private Database _database = null!;

    [SetUp]
    public async Task OpenFreshDatabase() => _database = await TestDatabases.OpenAsync(engine);

    [TearDown]
    public async Task Close() => await _database.DisposeAsync();

    private MigrationRunner Runner => new(_database, NullLogger<MigrationRunner>.Instance);

    private static readonly Migration[] Steps =
    [
        new(1, "create", "CREATE TABLE test_items (id TEXT PRIMARY KEY, flag BOOLEAN NOT NULL)"),
        new(2, "add column", "ALTER TABLE test_items ADD COLUMN note TEXT"),
    ];

    [Test]
    public async Task AppliesInOrderOnceAndRecordsEachStep()
    {
        await Runner.ApplyAsync("test", Steps);
        await Runner.ApplyAsync("test", Steps); // a second start changes nothing
        await using var connection = await _database.OpenAsync();
        var recorded = (await connection.QueryAsync<long>("SELECT version FROM cloudbox_migrations WHERE module = 'test' ORDER BY version")).ToList();
        Assert.That(recorded, Is.EqualTo(new long[] { 1, 2 }));
        await connection.ExecuteAsync("INSERT INTO test_items (id, flag, note) VALUES ('a', @flag, 'n')", new { flag = true });
        Assert.That(await connection.ExecuteScalarAsync<bool>("SELECT flag FROM test_items WHERE id = 'a'"), Is.True, "booleans round-trip on both engines");
    }

    [Test]
    public async Task AFailingStepLeavesNoTraceAndLaterStartsRetryIt()
    {
        Migration[] broken = [Steps[0], new(2, "broken", "ALTER TABLE no_such_table ADD COLUMN x TEXT")];
        Assert.That(async () => await Runner.ApplyAsync("test", broken), Throws.Exception);
        await using (var connection = await _database.OpenAsync())
        {
            var versions = (await connection.QueryAsync<long>("SELECT version FROM cloudbox_migrations WHERE module = 'test'")).ToList();
            Assert.That(versions, Is.EqualTo(new long[] { 1 }), "step 1 committed, step 2 did not");
        }
        await Runner.ApplyAsync("test", Steps);
        await using var after = await _database.OpenAsync();
        Assert.That(await after.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM cloudbox_migrations WHERE module = 'test'"), Is.EqualTo(2));
    }

    [Test]
    public void OutOfOrderStepsAreRejectedBeforeTouchingTheDatabase()
    {
        Migration[] unordered = [Steps[1], Steps[0]];
        Assert.That(async () => await Runner.ApplyAsync("test", unordered), Throws.InvalidOperationException);
    }

    [Test]
    public async Task UniqueViolationsAreRecognisedOnBothEngines()
    {
        await Runner.ApplyAsync("test", Steps);
        await using var connection = await _database.OpenAsync();
        await connection.ExecuteAsync("INSERT INTO test_items (id, flag) VALUES ('dup', @flag)", new { flag = false });
        var error = Assert.CatchAsync(async () => await connection.ExecuteAsync("INSERT INTO test_items (id, flag) VALUES ('dup', @flag)", new { flag = false }));
        Assert.That(Database.IsUniqueViolation(error!), Is.True);
    }

    [Test]
    public async Task TransactionsRollBackOnFailure()
    {
        await Runner.ApplyAsync("test", Steps);
        Assert.That(async () => await _database.InTransactionAsync(async (c, t) =>
        {
            await c.ExecuteAsync("INSERT INTO test_items (id, flag) VALUES ('x', @flag)", new { flag = true }, t);
            throw new InvalidOperationException("boom");
        }), Throws.InvalidOperationException);
        await using var connection = await _database.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM test_items"), Is.Zero);
    }

    [Test]
    public async Task InListMatchesAListParameterOnBothEngines()
    {
        await Runner.ApplyAsync("test", Steps);
        await using var connection = await _database.OpenAsync();
        foreach (var id in new[] { "a", "b", "c" })
            await connection.ExecuteAsync("INSERT INTO test_items (id, flag) VALUES (@id, @flag)", new { id, flag = true });
        var found = (await connection.QueryAsync<string>($"SELECT id FROM test_items WHERE {_database.InList("id", "ids")} ORDER BY id", new { ids = new[] { "a", "c", "z" } })).ToList();
        Assert.That(found, Is.EqualTo(new[] { "a", "c" }));
    }
}
