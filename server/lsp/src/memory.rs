//! Giving freed memory back to the system (glibc only).

/// Large blocks (document texts, JSON messages of a big file) are mmapped
/// and returned to the system when freed, instead of staying in the heap:
/// glibc otherwise raises these thresholds on the fly and the server's
/// resident memory only grows. Other platforms' allocators need nothing.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const THRESHOLD: libc::c_int = 128 * 1024;
        // SAFETY: mallopt only sets allocator parameters; it is called
        // before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
            libc::mallopt(libc::M_TRIM_THRESHOLD, THRESHOLD);
        }
    }
}

/// Gives the memory freed inside the heap back to the system. Analysing a large file
/// allocates and frees many small blocks on several threads (parser events, scratch
/// vectors); what stays in use is scattered among them, so the heap cannot shrink from its
/// top and the freed pages would count as resident until the next analysis reuses them.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's heaps to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
