package Onestop::Resp;

# A small Redis client for the tests (core Perl only): commands as RESP
# arrays, replies parsed into Perl (arrays, strings, integers; an error
# as {err => TEXT}).  What redis-cli's text would make ambiguous (a
# record's JSON with its newlines and quotes) comes back exactly.

use strict;
use warnings;

use IO::Socket::INET;

sub new {
    my ($class, $port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
        Proto => 'tcp', Timeout => 5) or die "redis on $port: $!\n";
    binmode $s;
    return bless { s => $s }, $class;
}

sub cmd {
    my ($self, @args) = @_;
    my $out = '*' . scalar(@args) . "\r\n";
    for my $a (@args) {
        utf8::encode($a) if utf8::is_utf8($a);
        $out .= '$' . length($a) . "\r\n$a\r\n";
    }
    print { $self->{s} } $out;
    return $self->reply;
}

sub line {
    my ($self) = @_;
    my $l = readline($self->{s});
    die "redis closed the connection\n" unless defined $l;
    $l =~ s/\r\n\z//;
    return $l;
}

sub reply {
    my ($self) = @_;
    my $l = $self->line;
    my ($t, $rest) = (substr($l, 0, 1), substr($l, 1));
    return $rest if $t eq '+';
    return { err => $rest } if $t eq '-';
    return 0 + $rest if $t eq ':';
    if ($t eq '$') {
        return undef if $rest < 0;
        my $buf = '';
        while (length($buf) < $rest + 2) {
            read($self->{s}, my $chunk, $rest + 2 - length $buf) or die;
            $buf .= $chunk;
        }
        return substr($buf, 0, $rest);
    }
    if ($t eq '*') {
        return undef if $rest < 0;
        return [ map { $self->reply } 1 .. $rest ];
    }
    die "not a RESP reply: $l\n";
}

# a stream's entries as [id, {field => value}] (values as bytes)
sub entries {
    my ($list) = @_;
    return [ map { [ $_->[0], { @{ $_->[1] } } ] } @{ $list // [] } ];
}

1;
