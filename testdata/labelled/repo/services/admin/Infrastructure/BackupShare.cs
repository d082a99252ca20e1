using System.Net;

namespace Acme.Admin.Infrastructure
{
    public static class BackupShare
    {
        public static NetworkCredential Credential()
        {
            return new NetworkCredential("svc_backup", "HgXGoEy7mZqNNs?MP7Ni0", "ACME");
        }
    }
}
