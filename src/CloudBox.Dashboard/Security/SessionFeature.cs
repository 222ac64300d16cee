using CloudBox.Dashboard.Sessions;

namespace CloudBox.Dashboard.Security;

/// <summary>The dashboard session a request's cookie named (set by <see cref="SessionMiddleware"/>), or the fact that it had expired.</summary>
internal sealed record SessionFeature(DashboardSession? Session, bool Expired);
