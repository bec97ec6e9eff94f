package Onestop::Browser;

# Headless Chromium for the tests that load pages: the DOM after the
# page's scripts ran, and screenshots.  Debian's "chromium" package (or
# $ONESTOP_CHROMIUM).  Every helper returns undef when there is no
# browser, so a test can skip cleanly.  Core Perl only.
#
#   use Onestop::Browser;
#   plan skip_all => 'no chromium' unless Onestop::Browser::available();
#   my $dom = Onestop::Browser::dump_dom($url);
#   Onestop::Browser::screenshot($url, 'docs/img/x.png', 1280, 1800);

use strict;
use warnings;

use Encode qw(decode);
use File::Spec;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

our $TIMEOUT = $ENV{ONESTOP_BROWSER_TIMEOUT} // 90;    # seconds a run
our $BUDGET = 10000;        # --virtual-time-budget, ms: fetches complete
our $LAST_ERROR = '';       # stderr and status of the last run, for diag

# what the tests need and nothing more: no sandbox (root in CI), no GPU,
# nothing fetched from Google, a fresh profile each run
our @FLAGS = (qw(
    --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update
    --disable-sync --disable-default-apps --disable-extensions
    --no-default-browser-check --disable-dev-shm-usage --hide-scrollbars
    --mute-audio --lang=vi --force-device-scale-factor=1
), '--accept-lang=vi-VN,vi');

sub binary {
    if (defined $ENV{ONESTOP_CHROMIUM} && length $ENV{ONESTOP_CHROMIUM}) {
        return -x $ENV{ONESTOP_CHROMIUM} ? $ENV{ONESTOP_CHROMIUM} : undef;
    }
    for my $name (qw(chromium chromium-browser google-chrome-stable
                     google-chrome)) {
        for my $dir (File::Spec->path) {
            my $f = "$dir/$name";
            return $f if -f $f && -x _;
        }
    }
    return undef;
}

sub available { defined binary() }

# runs the browser with @args; returns (exit status, stdout bytes) or ()
# when there is no browser or it did not finish in time
sub run {
    my (@args) = @_;
    my $bin = binary() or return;
    my $profile = tempdir('onestop-chromium-XXXXXX', TMPDIR => 1,
        CLEANUP => 1);
    my $out = "$profile/stdout";
    my $err = "$profile/stderr";
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        POSIX::setpgid(0, 0);           # its helpers go with it on timeout
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>', $out) or POSIX::_exit(127);
        open(STDERR, '>', $err) or POSIX::_exit(127);
        $ENV{HOME} = $profile;          # no ~/.config of whoever runs this
        $ENV{DBUS_SESSION_BUS_ADDRESS} = 'disabled:';
        exec($bin, @FLAGS, "--user-data-dir=$profile/profile", @args)
            or POSIX::_exit(127);
    }
    my $deadline = time + $TIMEOUT;
    my $status;
    while (1) {
        my $r = waitpid($pid, WNOHANG);
        if ($r == $pid) { $status = $? >> 8; last; }
        if (time > $deadline) {
            kill 'KILL', -$pid;
            waitpid($pid, 0);
            $LAST_ERROR = "chromium did not finish in $TIMEOUT s\n"
                . tail(slurp($err));
            return;
        }
        sleep 0.1;
    }
    kill 'KILL', -$pid;                 # helpers left behind, if any
    $LAST_ERROR = "exit $status\n" . tail(slurp($err));
    return ($status, slurp($out));
}

# the serialized DOM of $url once its scripts ran (and their fetches
# completed within the virtual time budget), as characters; undef when
# there is no browser or it failed
sub dump_dom {
    my ($url, %opt) = @_;
    my @size = $opt{width}
        ? ('--window-size=' . $opt{width} . ',' . ($opt{height} // 900))
        : ();
    my ($status, $out) = run(@size,
        '--virtual-time-budget=' . ($opt{budget} // $BUDGET),
        '--dump-dom', $url);
    return undef unless defined $status && $status == 0 && length $out;
    return decode('UTF-8', $out);
}

# a PNG of the window ($w x $h CSS pixels) showing $url, written to
# $file; returns $file, or undef when there is no browser or it failed
sub screenshot {
    my ($url, $file, $w, $h, %opt) = @_;
    $w //= 1280;
    $h //= 1800;
    unlink $file;
    my ($status) = run("--window-size=$w,$h",
        '--virtual-time-budget=' . ($opt{budget} // $BUDGET),
        "--screenshot=$file", $url);
    return undef unless defined $status && $status == 0;
    return undef unless -s $file && is_png($file);
    return $file;
}

# the width and height a PNG file says it has, or ()
sub png_size {
    my ($file) = @_;
    open(my $fh, '<:raw', $file) or return;
    read($fh, my $head, 24) == 24 or return;
    return unless substr($head, 0, 8) eq "\x89PNG\r\n\x1a\n";
    return unpack('NN', substr($head, 16, 8));
}

sub is_png { my @s = png_size($_[0]); return @s == 2 }

sub slurp {
    my ($file) = @_;
    open(my $fh, '<:raw', $file) or return '';
    local $/;
    my $data = <$fh>;
    return $data // '';
}

sub tail {
    my ($text) = @_;
    my @lines = grep { !/dbus|Fontconfig|vkCreateInstance|VulkanError/ }
        split /\n/, $text;
    splice(@lines, 0, @lines - 20) if @lines > 20;
    return join("\n", @lines);
}

1;
