//! Giving freed memory back to the system.

/// Gives the allocator's free pages back to the system: transient buffers (an index build's
/// rows, an embedding batch's) would otherwise stay in the process's resident memory, since
/// glibc keeps freed heap in its arenas (one per thread that allocated, the embedding engine's
/// threads included).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator; no pointer is touched.
    unsafe {
        nix::libc::malloc_trim(0);
    }
}
