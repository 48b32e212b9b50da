/*
 * freeport - print a TCP port on 127.0.0.1 that is free right now.
 *
 * Binds a socket to 127.0.0.1 port 0, asks the kernel which port it
 * picked, prints it and exits.  The port is released on exit, so there is
 * a small window in which another process could take it; for tests on a
 * quiet machine that is good enough.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        perror("freeport: socket");
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("freeport: bind");
        close(fd);
        return 1;
    }
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        perror("freeport: getsockname");
        close(fd);
        return 1;
    }
    close(fd);
    if (printf("%u\n", (unsigned)ntohs(sa.sin_port)) < 0 || fflush(stdout) != 0)
        return 1;
    return 0;
}
