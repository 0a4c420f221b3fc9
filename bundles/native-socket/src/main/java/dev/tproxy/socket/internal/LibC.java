package dev.tproxy.socket.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * libc through JNA direct mapping. Only primitive arguments (pointers are passed as addresses of memory the
 * caller preallocated), so a call allocates nothing. A -1 return leaves errno in {@link Native#getLastError()}.
 */
final class LibC {
    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {}

    /** Forces the class (and so the native library) to load, surfacing a JNA problem at a clear moment. */
    static void load() {}

    static native int socket(int domain, int type, int protocol);

    static native int setsockopt(int fd, int level, int name, long value, int length);

    static native int getsockopt(int fd, int level, int name, long value, long lengthAddress);

    static native int bind(int fd, long address, int length);

    static native int listen(int fd, int backlog);

    static native int accept4(int fd, long address, long lengthAddress, int flags);

    static native int connect(int fd, long address, int length);

    static native int getsockname(int fd, long address, long lengthAddress);

    static native int getpeername(int fd, long address, long lengthAddress);

    static native int shutdown(int fd, int how);

    static native int close(int fd);

    static native long splice(int fdIn, long offsetIn, int fdOut, long offsetOut, long length, int flags);

    static native long recv(int fd, long buffer, long length, int flags);

    static native long send(int fd, long buffer, long length, int flags);

    static native long sendto(int fd, long buffer, long length, int flags, long address, int addressLength);

    static native long sendmsg(int fd, long message, int flags);

    static native long recvmsg(int fd, long message, int flags);

    static native int poll(long fds, long count, int timeoutMillis);

    static native int open(long path, int flags);

    static native long read(int fd, long buffer, long length);

    static native long write(int fd, long buffer, long length);

    static native int pipe2(long fds, int flags);

    static native int fcntl(int fd, int command, int argument);

    static native int ioctl(int fd, long request, long argument);

    static native int epoll_create1(int flags);

    static native int epoll_ctl(int epfd, int operation, int fd, long event);

    static native int epoll_wait(int epfd, long events, int maxEvents, int timeoutMillis);

    static native int eventfd(int initialValue, int flags);

    static native int getrlimit(int resource, long limit);

    static native int setpriority(int which, int who, int priority);

    static native String strerror(int errno);

    static native long mmap(long address, long length, int protection, int flags, int fd, long offset);

    static native int munmap(long address, long length);

    static native int madvise(long address, long length, int advice);
}
