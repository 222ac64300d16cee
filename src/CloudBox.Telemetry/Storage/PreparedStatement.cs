using System.Data.Common;

namespace CloudBox.Telemetry.Storage;

/// <summary>
/// One SQL statement prepared once in a transaction and executed once per row with new parameter
/// values: a processing pass writes thousands of rows, and a command created (and, on SQLite,
/// compiled) per row cost more than the row's work itself.
/// </summary>
internal sealed class PreparedStatement : IAsyncDisposable
{
    private readonly DbCommand _command;
    private readonly DbParameter[] _parameters;
    private bool _prepared;

    public PreparedStatement(DbConnection connection, DbTransaction transaction, string sql, params string[] parameters)
    {
        _command = connection.CreateCommand();
        _command.Transaction = transaction;
        _command.CommandText = sql;
        _parameters = new DbParameter[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = _command.CreateParameter();
            // Named with its '@': Microsoft.Data.Sqlite then finds it in one lookup per execution, not after trying each prefix.
            parameter.ParameterName = "@" + parameters[i];
            _command.Parameters.Add(parameter);
            _parameters[i] = parameter;
        }
    }

    /// <summary>Runs the statement with <paramref name="values"/>, in the order the parameters were named.</summary>
    public async Task ExecuteAsync(CancellationToken cancellationToken, params object[] values)
    {
        for (var i = 0; i < _parameters.Length; i++)
            _parameters[i].Value = values[i];
        if (!_prepared)
        {
            // Npgsql needs the parameters' types (from their first values) before preparing.
            await _command.PrepareAsync(cancellationToken);
            _prepared = true;
        }
        await _command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _command.DisposeAsync();
}
