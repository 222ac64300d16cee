namespace CloudBox.Compute.Build.BootFiles;

/// <summary>Compares version strings as rpm and the BLS do: numeric runs as numbers, alphabetic runs as text.</summary>
internal static class VersionOrder
{
    public static int Compare(string a, string b)
    {
        int i = 0, j = 0;
        while (true)
        {
            while (i < a.Length && !char.IsAsciiLetterOrDigit(a[i])) i++;
            while (j < b.Length && !char.IsAsciiLetterOrDigit(b[j])) j++;
            if (i >= a.Length || j >= b.Length) return (a.Length - i).CompareTo(b.Length - j) switch { > 0 => 1, < 0 => -1, _ => 0 };
            var numeric = char.IsAsciiDigit(a[i]);
            int si = i, sj = j;
            if (numeric)
            {
                while (i < a.Length && char.IsAsciiDigit(a[i])) i++;
                while (j < b.Length && char.IsAsciiDigit(b[j])) j++;
                if (sj == j) return 1; // a number sorts after letters
                var x = a[si..i].TrimStart('0');
                var y = b[sj..j].TrimStart('0');
                if (x.Length != y.Length) return x.Length.CompareTo(y.Length);
                var c = string.CompareOrdinal(x, y);
                if (c != 0) return Math.Sign(c);
            }
            else
            {
                while (i < a.Length && char.IsAsciiLetter(a[i])) i++;
                while (j < b.Length && char.IsAsciiLetter(b[j])) j++;
                if (sj == j) return -1;
                var c = string.CompareOrdinal(a[si..i], b[sj..j]);
                if (c != 0) return Math.Sign(c);
            }
        }
    }
}
