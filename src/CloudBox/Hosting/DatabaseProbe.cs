using System.Net.Sockets;
using CloudBox.Core.Configuration;
using Npgsql;

namespace CloudBox.Hosting;

/// <summary>
/// Before start-up touches PostgreSQL: waits (up to <see cref="CloudBoxOptions.DatabaseWait"/>) for a
/// server that is starting or not yet listening, and turns a refusal that waiting cannot cure (a
/// wrong password, a missing database, an unknown host) into one clear line at once.
/// </summary>
internal static class DatabaseProbe
{
    public static async Task WaitForPostgresAsync(CloudBoxOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        if (options.Database.Length == 0)
            return;
        var settings = new NpgsqlConnectionStringBuilder(options.Database);
        var where = $"{settings.Host}:{settings.Port}";
        var deadline = DateTime.UtcNow + options.DatabaseWait;
        var announced = false;
        while (true)
        {
            string reason;
            try
            {
                await using var connection = new NpgsqlConnection(options.Database);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.CannotConnectNow)
            {
                reason = "the database system is starting up";
            }
            catch (PostgresException error)
            {
                throw new StartupException(error.SqlState switch
                {
                    PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
                        $"PostgreSQL at {where} refused the login of user '{settings.Username}' ({error.MessageText}), fix Username/Password in --database (CLOUDBOX_DATABASE) or the server's pg_hba.conf",
                    PostgresErrorCodes.InvalidCatalogName =>
                        $"PostgreSQL at {where} has no database '{settings.Database}', create it (createdb -O {settings.Username} {settings.Database}) or fix Database in --database (CLOUDBOX_DATABASE)",
                    _ => $"PostgreSQL at {where} refused the connection ({error.SqlState}: {error.MessageText}), fix --database (CLOUDBOX_DATABASE)",
                }, error);
            }
            catch (NpgsqlException error) when (Socket(error) is { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData })
            {
                throw new StartupException($"PostgreSQL host '{settings.Host}' is not known (DNS), fix Host in --database (CLOUDBOX_DATABASE)", error);
            }
            catch (SocketException error) when (error.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData)
            {
                throw new StartupException($"PostgreSQL host '{settings.Host}' is not known (DNS), fix Host in --database (CLOUDBOX_DATABASE)", error);
            }
            catch (SocketException error)
            {
                reason = error.Message;
            }
            catch (NpgsqlException error) when (Socket(error) is not null || error.InnerException is TimeoutException || error.IsTransient)
            {
                reason = (Socket(error)?.Message ?? error.Message).ReplaceLineEndings(" ");
            }
            catch (Exception error) when (error is NpgsqlException or ArgumentException or InvalidOperationException)
            {
                throw new StartupException($"cannot connect to PostgreSQL at {where} ({error.Message.ReplaceLineEndings(" ")}), fix --database (CLOUDBOX_DATABASE)", error);
            }

            if (DateTime.UtcNow >= deadline)
                throw new StartupException($"PostgreSQL at {where} is unreachable ({reason}) after {options.DatabaseWait.TotalSeconds:F0} s, start it or fix Host/Port in --database (CLOUDBOX_DATABASE), or wait longer with --database-wait");
            if (!announced)
            {
                await log.WriteLineAsync($"cloudbox: waiting up to {options.DatabaseWait.TotalSeconds:F0} s for PostgreSQL at {where} ({reason})");
                announced = true;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static SocketException? Socket(Exception error)
    {
        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
                return socket;
        }
        return null;
    }
}
