using System.Runtime.InteropServices;
using System.Text;

namespace Modules.Distributed;

/// <summary>
/// The MPI functions the process group needs, bound at run time from MPICH's shared library. Handles are MPICH's ABI
/// (communicators, datatypes and requests are 32-bit integers with fixed values, shared by Intel MPI and Microsoft MPI);
/// Open MPI's ABI (handles are pointers) is not supported.
/// </summary>
internal static unsafe class NativeMpi
{
    // Values from MPICH's mpi.h.
    public const int Success = 0;
    public const int CommWorld = 0x44000000;
    public const int Byte = 0x4c00010d;
    public const int Float = 0x4c00040a;
    public const int ErrorsReturn = 0x54000001;
    public const int ThreadSerialized = 2;
    private const int MaxErrorString = 512;

    /// <summary>The library names tried, in order: Debian's MPICH, then MPICH's upstream name (also Intel MPI's).</summary>
    public static readonly string[] LibraryNames = ["libmpich.so.12", "libmpi.so.12"];

    /// <summary>The Debian/Ubuntu package that provides the library.</summary>
    public const string Package = "mpich";

    private static readonly Lock Gate = new();
    private static bool loaded;

    public static delegate* unmanaged<int*, byte***, int, int*, int> InitThread;
    public static delegate* unmanaged<int*, int> Initialized;
    public static delegate* unmanaged<int*, int> Finalized;
    public static delegate* unmanaged<int> Finalize;
    public static delegate* unmanaged<int, int*, int> CommRank;
    public static delegate* unmanaged<int, int*, int> CommSize;
    public static delegate* unmanaged<int, int, int> CommSetErrhandler;
    public static delegate* unmanaged<void*, int, int, int, int, int*, int> Ibcast;
    public static delegate* unmanaged<void*, int, int, void*, int, int, int, int*, int> Ialltoall;
    public static delegate* unmanaged<void*, int, int, void*, int, int, int, int*, int> Iallgather;
    public static delegate* unmanaged<int, int*, int> Ibarrier;
    public static delegate* unmanaged<int*, int*, void*, int> Test;
    public static delegate* unmanaged<int, int, int> Abort;
    public static delegate* unmanaged<int, byte*, int*, int> ErrorString;

    /// <summary>Loads the library and binds every function once; throws <see cref="DllNotFoundException"/> naming the package when it is missing.</summary>
    public static void Load()
    {
        lock (Gate)
        {
            if (loaded) return;
            nint handle = Open(LibraryNames);
            nint Get(string function) => NativeLibrary.TryGetExport(handle, function, out nint address) ? address
                : throw new EntryPointNotFoundException($"the MPI library has no {function}: MPICH 3.0 or newer (MPI-3) is needed");
            InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Get("MPI_Init_thread");
            Initialized = (delegate* unmanaged<int*, int>)Get("MPI_Initialized");
            Finalized = (delegate* unmanaged<int*, int>)Get("MPI_Finalized");
            Finalize = (delegate* unmanaged<int>)Get("MPI_Finalize");
            CommRank = (delegate* unmanaged<int, int*, int>)Get("MPI_Comm_rank");
            CommSize = (delegate* unmanaged<int, int*, int>)Get("MPI_Comm_size");
            CommSetErrhandler = (delegate* unmanaged<int, int, int>)Get("MPI_Comm_set_errhandler");
            Ibcast = (delegate* unmanaged<void*, int, int, int, int, int*, int>)Get("MPI_Ibcast");
            Ialltoall = (delegate* unmanaged<void*, int, int, void*, int, int, int, int*, int>)Get("MPI_Ialltoall");
            Iallgather = (delegate* unmanaged<void*, int, int, void*, int, int, int, int*, int>)Get("MPI_Iallgather");
            Ibarrier = (delegate* unmanaged<int, int*, int>)Get("MPI_Ibarrier");
            Test = (delegate* unmanaged<int*, int*, void*, int>)Get("MPI_Test");
            Abort = (delegate* unmanaged<int, int, int>)Get("MPI_Abort");
            ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Get("MPI_Error_string");
            loaded = true;
        }
    }

    /// <summary>Loads the first of <paramref name="names"/> that exists; throws <see cref="DllNotFoundException"/> naming the package when none does.</summary>
    public static nint Open(IReadOnlyList<string> names)
    {
        foreach (string name in names)
            if (NativeLibrary.TryLoad(name, out nint handle)) return handle;
        throw new DllNotFoundException($"MPI library not found (tried {string.Join(", ", names)}): install MPICH, e.g. 'apt-get install {Package}'");
    }

    /// <summary>MPI's text for an error code.</summary>
    public static string Describe(int code)
    {
        byte* text = stackalloc byte[MaxErrorString];
        int length = 0;
        if (ErrorString(code, text, &length) != Success || length <= 0) return $"MPI error {code}";
        return Encoding.ASCII.GetString(text, Math.Min(length, MaxErrorString)).TrimEnd('\0', '\n', ' ');
    }
}
