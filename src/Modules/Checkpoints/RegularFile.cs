using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Modules.Checkpoints;

/// <summary>
/// Opens checkpoint files for reading only when they are regular files (symbolic links are followed): a FIFO would
/// block the open until a writer appears, and a device such as <c>/dev/zero</c> never ends. Every failure is a
/// <see cref="CheckpointException"/> naming the file. The type is checked by path before opening, so a file replaced
/// by a FIFO in between would still block: that needs someone racing the reader on purpose.
/// </summary>
internal static unsafe partial class RegularFile
{
    /// <summary>Opens <paramref name="path"/> for reading; the caller owns the handle.</summary>
    public static SafeFileHandle OpenForReading(string path)
    {
        if (path.Length == 0 || path.Contains('\0')) throw new CheckpointException(path, "is not a valid path");
        if (Directory.Exists(path)) throw new CheckpointException(path, "is a directory, not a regular file");
        int? type = TypeOf(path);
        if (type is not null && type != RegularType)
            throw new CheckpointException(path, $"is a {TypeName(type.Value)}, not a regular file");
        if (type is null && !OperatingSystem.IsWindows() && EmptyTarget(path))
            throw new CheckpointException(path, "holds 0 bytes or is not a regular file (FIFOs and devices report 0 bytes)");
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, $"cannot be opened ({e.Message})", e);
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; the file must hold that many bytes.</summary>
    public static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        try
        {
            while (buffer.Length > 0)
            {
                int read = RandomAccess.Read(handle, buffer, offset);
                if (read == 0) throw new CheckpointException(path, $"ended early while reading byte {offset} (the file changed while it was read?)");
                buffer = buffer[read..];
                offset += read;
            }
        }
        catch (Exception e) when (e is IOException and not CheckpointException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, $"cannot be read ({e.Message})", e);
        }
    }

    /// <summary>The file's length through its handle.</summary>
    public static long LengthOf(SafeFileHandle handle, string path)
    {
        try
        {
            return RandomAccess.GetLength(handle);
        }
        catch (IOException e)
        {
            throw new CheckpointException(path, $"cannot be read ({e.Message})", e);
        }
    }

    // Without statx: FIFOs, devices and sockets report a length of 0, so refusing that before opening avoids the block.
    private static bool EmptyTarget(string path)
    {
        try
        {
            var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
            var info = new FileInfo(target);
            return info.Exists && info.Length == 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // the open reports it
        }
    }

    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;

    private static string TypeName(int type) => type switch
    {
        0x1000 => "FIFO",
        0x2000 => "character device",
        0x4000 => "directory",
        0x6000 => "block device",
        0xA000 => "symbolic link",
        0xC000 => "socket",
        _ => $"file of type 0o{Convert.ToString(type >> 12, 8)}",
    };

    // The file type (S_IFMT bits) of the link's final target, from statx(2) on Linux; null elsewhere or when statx is
    // unavailable, and then only the directory check above applies before opening. statx's buffer has the same layout
    // on every Linux architecture (stx_mode: 16 bits at offset 28), unlike struct stat.
    private static int? TypeOf(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        const int AtFdCwd = -100;
        const uint StatxType = 0x1;
        byte* buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return null; // missing or unreadable: the open reports it
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
        return *(ushort*)(buffer + 28) & TypeMask;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
